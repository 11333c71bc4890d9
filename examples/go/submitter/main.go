// Command submitter submits `echo helloworld` to the echo executors of a
// colony, waits for the process to succeed and prints its output.
//
// It signs with COLONIES_PRVKEY, a member of the colony COLONIES_COLONY_NAME,
// on the server COLONIES_SERVER_HOST:COLONIES_SERVER_PORT. It exits 1 if the
// process fails or has not succeeded within -timeout.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"
	"time"

	colonies "github.com/colonyos/libcolonies/go"
)

func main() {
	executorType := flag.String("executortype", envOr("ECHO_EXECUTOR_TYPE", "echo_executor"), "the executor type to submit to")
	timeout := flag.Duration("timeout", 30*time.Second, "how long to wait for the process to succeed")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("submitter: ")
	if err := run(*executorType, *timeout); err != nil {
		log.Fatal(err)
	}
}

func run(executorType string, timeout time.Duration) error {
	host := os.Getenv("COLONIES_SERVER_HOST")
	port, err := strconv.Atoi(os.Getenv("COLONIES_SERVER_PORT"))
	colonyName := os.Getenv("COLONIES_COLONY_NAME")
	key := os.Getenv("COLONIES_PRVKEY")
	if host == "" || err != nil || colonyName == "" || key == "" {
		return fmt.Errorf("set COLONIES_SERVER_HOST, COLONIES_SERVER_PORT, COLONIES_COLONY_NAME and COLONIES_PRVKEY")
	}
	c, err := colonies.NewClient(host, port)
	if err != nil {
		return err
	}
	defer c.Close()

	spec, err := colonies.NewFuncSpec(colonies.FuncSpecOptions{
		FuncName:     "echo",
		ColonyName:   colonyName,
		ExecutorType: executorType,
		Args:         []any{"helloworld"},
	})
	if err != nil {
		return err
	}
	p, err := c.Submit(spec, key)
	if err != nil {
		return fmt.Errorf("submitting: %w", err)
	}
	log.Printf("submitted process %s", p.ID)

	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		p, err = c.GetProcess(p.ID, key)
		if err != nil {
			return err
		}
		switch p.State {
		case colonies.Successful:
			for _, v := range p.Output {
				fmt.Println(v)
			}
			return nil
		case colonies.Failed, colonies.Cancelled:
			return fmt.Errorf("process %s %v: %v", p.ID, p.State, p.Errors)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Nobody took it: do not leave it waiting for a later executor.
	if err := c.RemoveProcess(p.ID, key); err != nil {
		log.Printf("removing process %s: %v", p.ID, err)
	}
	return fmt.Errorf("process %s did not succeed within %v (state %v)", p.ID, timeout, p.State)
}

// envOr is the environment variable name, or fallback when it is unset.
func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

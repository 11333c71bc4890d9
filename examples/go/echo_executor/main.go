// Command echo_executor is an executor offering one function, echo, which
// closes each process with the process's own arguments as output.
//
// It registers itself in the colony with a new key (the colony owner's key,
// COLONIES_COLONY_PRVKEY, approves it), handles -count processes and
// unregisters. The server is COLONIES_SERVER_HOST:COLONIES_SERVER_PORT and
// the colony COLONIES_COLONY_NAME.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"
	"time"

	colonies "github.com/colonyos/libcolonies/go"
)

func main() {
	executorType := flag.String("executortype", envOr("ECHO_EXECUTOR_TYPE", "echo_executor"), "the executor type processes are submitted to")
	count := flag.Int("count", 1, "how many processes to handle before exiting")
	timeout := flag.Duration("timeout", time.Minute, "give up when the processes have not all come by then")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("echo_executor: ")
	if err := run(*executorType, *count, *timeout); err != nil {
		log.Fatal(err)
	}
}

func run(executorType string, count int, timeout time.Duration) error {
	host, port, colonyName, colonyKey, err := environment()
	if err != nil {
		return err
	}
	c, err := colonies.NewClient(host, port)
	if err != nil {
		return err
	}
	defer c.Close()

	key, err := colonies.PrvKey()
	if err != nil {
		return err
	}
	id, err := colonies.ID(key)
	if err != nil {
		return err
	}
	name := "echo-executor-" + randomSuffix()
	executor := colonies.Executor{ID: id, Type: executorType, Name: name, ColonyName: colonyName}
	if _, err := c.AddExecutor(executor, colonyKey); err != nil {
		return fmt.Errorf("registering the executor: %w", err)
	}
	defer func() {
		if err := c.RemoveExecutor(colonyName, name, colonyKey); err != nil {
			log.Printf("unregistering the executor: %v", err)
		}
	}()
	if err := c.ApproveExecutor(colonyName, name, colonyKey); err != nil {
		return fmt.Errorf("approving the executor: %w", err)
	}
	fn := colonies.Function{ExecutorName: name, ExecutorType: executorType, ColonyName: colonyName, FuncName: "echo"}
	if _, err := c.AddFunction(fn, key); err != nil {
		return fmt.Errorf("adding function echo: %w", err)
	}
	log.Printf("executor %s of type %s is waiting for processes", name, executorType)

	deadline := time.Now().Add(timeout)
	for done := 0; done < count; {
		wait := min(time.Until(deadline), 10*time.Second)
		if wait <= 0 {
			return fmt.Errorf("handled %d of %d processes in %v", done, count, timeout)
		}
		p, err := c.Assign(colonyName, wait, "", "", key)
		if errors.Is(err, colonies.ErrTimeout) {
			continue
		}
		if err != nil {
			return fmt.Errorf("assign: %w", err)
		}
		if p.Spec.FuncName != "echo" {
			err = c.FailProcess(p.ID, []string{"unknown function " + p.Spec.FuncName}, key)
		} else {
			err = c.CloseProcess(p.ID, p.Spec.Args, key)
		}
		if err != nil {
			return fmt.Errorf("closing process %s: %w", p.ID, err)
		}
		log.Printf("process %s: %s %v", p.ID, p.Spec.FuncName, p.Spec.Args)
		done++
	}
	return nil
}

// environment reads the server's address, the colony and its owner's key.
func environment() (host string, port int, colonyName, colonyKey string, err error) {
	vars := map[string]string{}
	for _, v := range []string{"COLONIES_SERVER_HOST", "COLONIES_SERVER_PORT", "COLONIES_COLONY_NAME", "COLONIES_COLONY_PRVKEY"} {
		if vars[v] = os.Getenv(v); vars[v] == "" {
			return "", 0, "", "", fmt.Errorf("%s is not set", v)
		}
	}
	port, err = strconv.Atoi(vars["COLONIES_SERVER_PORT"])
	if err != nil {
		return "", 0, "", "", fmt.Errorf("COLONIES_SERVER_PORT: %w", err)
	}
	return vars["COLONIES_SERVER_HOST"], port, vars["COLONIES_COLONY_NAME"], vars["COLONIES_COLONY_PRVKEY"], nil
}

// randomSuffix keeps executor names unique when several run at once.
func randomSuffix() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// envOr is the environment variable name, or fallback when it is unset.
func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

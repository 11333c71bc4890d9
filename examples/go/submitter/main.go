// Command submitter submits `echo helloworld` to the echo executors of a
// colony, waits for the process to succeed and prints its output.
//
// The server, the colony and the key it signs with (a member's) come from the
// COLONIES_* environment, as colonies.Env and colonies.NewClientFromEnv read
// it. It exits 1 if the process fails or has not succeeded within -timeout.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	colonies "github.com/colonyos/libcolonies/go"
)

func main() {
	executorType := flag.String("executortype", envOr("ECHO_EXECUTOR_TYPE", "echo_executor"), "the executor type to submit to")
	timeout := flag.Duration("timeout", 30*time.Second, "how long to wait for the process to succeed")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("submitter: ")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *executorType, *timeout); err != nil {
		stop()
		log.Fatal(err)
	}
}

func run(ctx context.Context, executorType string, timeout time.Duration) error {
	env, err := colonies.Env()
	if err != nil {
		return fmt.Errorf("reading the environment: %w", err)
	}
	if env.ColonyName == "" || env.PrvKey == "" {
		return errors.New("the environment names no colony or no private key to sign with (see colonies.Env)")
	}
	colonyName, key := env.ColonyName, env.PrvKey
	c, err := colonies.NewClientFromEnv()
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
	p, err := c.SubmitFuncSpec(ctx, spec, key)
	if err != nil {
		return fmt.Errorf("submitting: %w", err)
	}
	log.Printf("submitted process %s", p.ID)

	deadline := time.Now().Add(timeout)
poll:
	for time.Now().Before(deadline) {
		p, err = c.GetProcess(ctx, p.ID, key)
		if err != nil {
			return err
		}
		switch p.State {
		case colonies.ProcessSuccessful:
			for _, v := range p.Output {
				fmt.Println(v)
			}
			return nil
		case colonies.ProcessFailed, colonies.ProcessCancelled:
			return fmt.Errorf("process %s %s: %v", p.ID, stateName(p.State), p.Errors)
		}
		select {
		case <-ctx.Done():
			break poll // interrupted
		case <-time.After(200 * time.Millisecond):
		}
	}
	// Nobody took it: do not leave it waiting for a later executor. Its own
	// context: ctx may have been cancelled by an interrupt.
	rctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.RemoveProcess(rctx, p.ID, false, key); err != nil {
		log.Printf("removing process %s: %v", p.ID, err)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted while process %s was %s", p.ID, stateName(p.State))
	}
	return fmt.Errorf("process %s did not succeed within %v (%s)", p.ID, timeout, stateName(p.State))
}

// stateName names a process state.
func stateName(state int) string {
	switch state {
	case colonies.ProcessWaiting:
		return "waiting"
	case colonies.ProcessRunning:
		return "running"
	case colonies.ProcessSuccessful:
		return "successful"
	case colonies.ProcessFailed:
		return "failed"
	case colonies.ProcessCancelled:
		return "cancelled"
	}
	return fmt.Sprintf("state %d", state)
}

// envOr is the environment variable name, or fallback when it is unset.
func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// Command echo_executor is an executor offering one function, echo, which
// closes each process with the process's own arguments as output.
//
// It registers itself in the colony with a new key (the colony owner's key
// approves it), handles -count processes and unregisters. The server, the
// colony and its owner's key come from the COLONIES_* environment, as
// colonies.Env and colonies.NewClientFromEnv read it.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
	executorType := flag.String("executortype", envOr("ECHO_EXECUTOR_TYPE", "echo_executor"), "the executor type processes are submitted to")
	count := flag.Int("count", 1, "how many processes to handle before exiting")
	timeout := flag.Duration("timeout", time.Minute, "give up when the processes have not all come by then")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("echo_executor: ")
	// An interrupt cancels the context, which stops a blocked assign at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *executorType, *count, *timeout); err != nil {
		stop()
		log.Fatal(err)
	}
}

func run(ctx context.Context, executorType string, count int, timeout time.Duration) error {
	env, err := colonies.Env()
	if err != nil {
		return fmt.Errorf("reading the environment: %w", err)
	}
	if env.ColonyName == "" || env.ColonyPrvKey == "" {
		return errors.New("the environment names no colony or no colony owner's key (see colonies.Env)")
	}
	colonyName, colonyKey := env.ColonyName, env.ColonyPrvKey
	c, err := colonies.NewClientFromEnv()
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
	if _, err := c.AddExecutor(ctx, executor, colonyKey); err != nil {
		return fmt.Errorf("registering the executor: %w", err)
	}
	defer func() {
		// Its own context: ctx may have been cancelled by an interrupt.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.RemoveExecutor(ctx, colonyName, name, colonyKey); err != nil {
			log.Printf("unregistering the executor: %v", err)
		}
	}()
	if err := c.ApproveExecutor(ctx, colonyName, name, colonyKey); err != nil {
		return fmt.Errorf("approving the executor: %w", err)
	}
	fn := colonies.Function{ExecutorName: name, ExecutorType: executorType, ColonyName: colonyName, FuncName: "echo"}
	if _, err := c.AddFunction(ctx, fn, key); err != nil {
		return fmt.Errorf("adding function echo: %w", err)
	}
	log.Printf("executor %s of type %s is waiting for processes", name, executorType)

	deadline := time.Now().Add(timeout)
	for done := 0; done < count; {
		wait := min(time.Until(deadline), 10*time.Second)
		if wait <= 0 {
			return fmt.Errorf("handled %d of %d processes in %v", done, count, timeout)
		}
		// The server waits whole seconds: round up, so that a wait of less
		// than a second is not 0.
		seconds := int((wait + time.Second - 1) / time.Second)
		p, err := c.AssignProcess(ctx, colonyName, seconds, "", "", key)
		if errors.Is(err, colonies.ErrExpired) {
			continue // nothing came in time: ask again
		}
		if err != nil {
			return fmt.Errorf("assign: %w", err)
		}
		spec := p.FunctionSpec
		if spec.FuncName != "echo" {
			err = c.CloseFailed(ctx, p.ID, []string{"unknown function " + spec.FuncName}, key)
		} else {
			err = c.CloseSuccessful(ctx, p.ID, spec.Args, key)
		}
		if err != nil {
			return fmt.Errorf("closing process %s: %w", p.ID, err)
		}
		log.Printf("process %s: %s %v", p.ID, spec.FuncName, spec.Args)
		done++
	}
	return nil
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

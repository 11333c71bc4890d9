// Command gosubmit submits echo(ARG) to executors of TYPE with libcolonies'
// Go module, waits for the process to finish and prints its output, for
// tests/interop. The server and key come from the COLONIES_* environment.
//
//	gosubmit TYPE ARG
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	colonies "github.com/colonyos/libcolonies/go"
)

func main() {
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "gosubmit:", err)
		os.Exit(1)
	}
}

func run(executorType, arg string) error {
	env, err := colonies.Env()
	if err != nil {
		return err
	}
	c, err := colonies.NewClientFromEnv()
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	spec, err := colonies.NewFuncSpec(colonies.FuncSpecOptions{FuncName: "echo", Args: []any{arg},
		ColonyName: env.ColonyName, ExecutorType: executorType})
	if err != nil {
		return err
	}
	p, err := c.SubmitFuncSpec(ctx, spec, env.PrvKey)
	if err != nil {
		return err
	}
	done, err := c.Wait(ctx, p.ID, env.PrvKey)
	if err != nil {
		return err
	}
	if done.State != colonies.ProcessSuccessful || len(done.Output) == 0 {
		return fmt.Errorf("process %s ended in state %d with %v", p.ID, done.State, done.Errors)
	}
	fmt.Println(done.Output[0])
	return nil
}

// Command sdk is an executor and a submitter written with the upstream Go
// SDK (github.com/colonyos/colonies/pkg/client, at the server's version),
// for tests/interop: programs of every SDK must work together through one
// server. The server and keys come from the COLONIES_* environment.
//
//	go run ./sdk executor TYPE     echoes its arguments until SIGTERM
//	go run ./sdk submit TYPE ARG   submits echo(ARG), waits, prints the output
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/colonyos/colonies/pkg/client"
	"github.com/colonyos/colonies/pkg/core"
	"github.com/colonyos/colonies/pkg/security/crypto"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: sdk executor TYPE | sdk submit TYPE ARG")
		os.Exit(2)
	}
	port, _ := strconv.Atoi(os.Getenv("COLONIES_SERVER_PORT"))
	c := client.CreateColoniesClient(os.Getenv("COLONIES_SERVER_HOST"), port, true, false)
	colony := os.Getenv("COLONIES_COLONY_NAME")
	var err error
	switch os.Args[1] {
	case "executor":
		err = executor(c, colony, os.Args[2])
	case "submit":
		if len(os.Args) < 4 {
			err = fmt.Errorf("submit needs TYPE and ARG")
		} else {
			err = submit(c, colony, os.Args[2], os.Args[3])
		}
	default:
		err = fmt.Errorf("unknown command %s", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdk:", err)
		os.Exit(1)
	}
}

func executor(c *client.ColoniesClient, colony, executorType string) error {
	colonyKey := os.Getenv("COLONIES_COLONY_PRVKEY")
	cr := crypto.CreateCrypto()
	key, err := cr.GeneratePrivateKey()
	if err != nil {
		return err
	}
	id, err := cr.GenerateID(key)
	if err != nil {
		return err
	}
	name := executorType + "-" + id[:8]
	e := core.CreateExecutor(id, executorType, name, colony, time.Now(), time.Now())
	if _, err := c.AddExecutor(e, colonyKey); err != nil {
		return err
	}
	defer c.RemoveExecutor(colony, name, colonyKey)
	if err := c.ApproveExecutor(colony, name, colonyKey); err != nil {
		return err
	}
	fn := core.CreateFunction("", name, executorType, colony, "echo", 0, 0, 0, 0, 0, 0, 0)
	if _, err := c.AddFunction(fn, key); err != nil {
		return err
	}
	fmt.Println("executor ready:", name)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for ctx.Err() == nil {
		p, err := c.Assign(colony, 1, "", "", key)
		if err != nil {
			continue // nothing in time (or the server away): ask again
		}
		args := p.Input
		if len(args) == 0 {
			args = p.FunctionSpec.Args
		}
		if err := c.CloseWithOutput(p.ID, args, key); err != nil {
			fmt.Fprintln(os.Stderr, "sdk: close:", err)
		}
	}
	return nil
}

func submit(c *client.ColoniesClient, colony, executorType, arg string) error {
	key := os.Getenv("COLONIES_PRVKEY")
	spec := core.CreateEmptyFunctionSpec()
	spec.FuncName = "echo"
	spec.Args = []interface{}{arg}
	spec.Conditions.ColonyName = colony
	spec.Conditions.ExecutorType = executorType
	spec.MaxExecTime = -1
	spec.MaxWaitTime = -1
	spec.MaxRetries = -1
	p, err := c.Submit(spec, key)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		p, err = c.GetProcess(p.ID, key)
		if err != nil {
			return err
		}
		if p.State == core.SUCCESS {
			if len(p.Output) == 0 {
				return fmt.Errorf("process %s has no output", p.ID)
			}
			fmt.Println(p.Output[0])
			return nil
		}
		if p.State == core.FAILED {
			return fmt.Errorf("process %s failed: %v", p.ID, p.Errors)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("process %s did not finish in 60 s", p.ID)
}

// Command seed runs the seed's examples in Go against an executor of type
// EXECUTOR_TYPE (examples/go/executor): echo, a failing function, the
// workflow sum_nums(gen_nums()) = 3, the MapReduce whose map adds five
// gen_nums = 15, the monad chain gen_data, process_data, echo = 3, and
// waiting on a process. It prints each result and exits 1 when one is not
// what the seed says. The server, the colony and the key it submits with (a
// member's, COLONIES_PRVKEY) come from the COLONIES_* environment.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	colonies "github.com/colonyos/libcolonies/go"
)

var (
	c            *colonies.Client
	colony, key  string
	executorType string
	failures     int
)

func expect(what string, got, want any) {
	note := ""
	if fmt.Sprint(got) != fmt.Sprint(want) {
		note = fmt.Sprintf("   <- the seed says %v", want)
		failures++
	}
	fmt.Printf("%-10s %v%s\n", what, got, note)
}

func spec(funcName string, args ...any) colonies.FunctionSpec {
	s, err := colonies.NewFuncSpec(colonies.FuncSpecOptions{FuncName: funcName, ColonyName: colony, ExecutorType: executorType, Args: args})
	if err != nil {
		log.Fatal(err)
	}
	return s
}

func submitAndWait(ctx context.Context, funcName string, args ...any) *colonies.Process {
	p, err := c.SubmitFuncSpec(ctx, spec(funcName, args...), key)
	if err != nil {
		log.Fatal(err)
	}
	done, err := c.Wait(ctx, p.ID, key)
	if err != nil {
		log.Fatal(err)
	}
	return done
}

// runWorkflow submits a workflow of (funcname, dependency) nodes and waits for node last.
func runWorkflow(ctx context.Context, last string, nodes ...[2]string) *colonies.Process {
	wf, err := colonies.NewWorkflow(colony)
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range nodes {
		var deps []string
		if n[1] != "" {
			deps = []string{n[1]}
		}
		if err := wf.Add(spec(n[0]), n[0], deps...); err != nil {
			log.Fatal(err)
		}
	}
	graph, err := c.SubmitWorkflowSpec(ctx, *wf, key)
	if err != nil {
		log.Fatal(err)
	}
	p, err := c.FindProcess(ctx, graph.ID, last, key)
	if err != nil {
		log.Fatal(err)
	}
	done, err := c.Wait(ctx, p.ID, key)
	if err != nil {
		log.Fatal(err)
	}
	return done
}

func first(p *colonies.Process) any {
	if len(p.Output) == 0 {
		return nil
	}
	return p.Output[0]
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("seed: ")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	env, err := colonies.Env()
	if err != nil {
		log.Fatal(err)
	}
	colony, key = env.ColonyName, env.PrvKey
	if executorType = os.Getenv("EXECUTOR_TYPE"); executorType == "" {
		executorType = "go_executor"
	}
	if c, err = colonies.NewClientFromEnv(); err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	expect("echo", first(submitAndWait(ctx, "echo", "helloworld")), "helloworld")
	failed := submitAndWait(ctx, "fail")
	expect("fail", fmt.Sprintf("failed: %s", strings.Join(failed.Errors, "; ")), "failed: fail always fails")
	expect("workflow", first(runWorkflow(ctx, "sum_nums", [2]string{"gen_nums", ""}, [2]string{"sum_nums", "gen_nums"})), 3)
	expect("mapreduce", first(runWorkflow(ctx, "reduce", [2]string{"map", ""}, [2]string{"reduce", "map"})), 15)

	chain, err := colonies.NewChain(colony, spec("gen_data"), spec("process_data"), spec("echo"))
	if err != nil {
		log.Fatal(err)
	}
	result, err := c.RunWorkflow(ctx, *chain, key)
	if err != nil {
		log.Fatal(err)
	}
	expect("monad", first(result), 3)

	state := map[int]string{colonies.ProcessSuccessful: "successful", colonies.ProcessFailed: "failed"}
	expect("wait", state[submitAndWait(ctx, "echo", "waited").State], "successful")
	if failures > 0 {
		os.Exit(1)
	}
}

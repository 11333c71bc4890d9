package colonies_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log"
	"time"

	colonies "github.com/colonyos/libcolonies/go"
)

// A function spec from options; the core fills in the defaults.
func ExampleNewFuncSpec() {
	spec, err := colonies.NewFuncSpec(colonies.FuncSpecOptions{
		FuncName:     "echo",
		Args:         []any{"helloworld"},
		ColonyName:   "dev",
		ExecutorType: "echo_executor",
		MaxExecTime:  colonies.Ptr(10),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(spec.FuncName, spec.NodeName, spec.Args, spec.MaxExecTime, spec.MaxRetries)
	// Output: echo echo [helloworld] 10 -1
}

// A workflow is checked before it is sent: here, a cycle.
func ExampleWorkflowSpec_Check() {
	wf, _ := colonies.NewWorkflow("dev")
	for _, step := range [][2]string{{"a", "c"}, {"b", "a"}, {"c", "b"}} {
		spec, _ := colonies.NewFuncSpec(colonies.FuncSpecOptions{FuncName: step[0], ColonyName: "dev", ExecutorType: "t"})
		wf.Add(spec, "", step[1])
	}
	fmt.Println(wf.Check())
	// Output: colonies: invalid argument: workflow: the dependencies form a cycle: "a" -> "c" -> "b" -> "a"
}

// An executor runtime runs a function; a client submits a process for it and
// waits for its end. The server and the colony come from the COLONIES_*
// environment (scripts/colonies-server env).
func ExampleClient_NewExecutorRuntime() {
	env, err := colonies.Env()
	if err != nil {
		log.Fatal(err)
	}
	c, err := colonies.NewClientFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	executorType := "example-" + randomSuffix()
	rt, err := c.NewExecutorRuntime(colonies.ExecutorOptions{
		ColonyName:   env.ColonyName,
		ExecutorType: executorType,
		ColonyPrvKey: env.ColonyPrvKey, // registers itself, and Close removes it
	}, map[string]colonies.JobFunc{
		"greet": func(_ context.Context, job *colonies.Job) ([]any, error) {
			return []any{fmt.Sprintf("hello, %v", job.Args[0])}, nil
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close()
	if err := rt.Register(ctx); err != nil {
		log.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go rt.Run(runCtx)

	spec, _ := colonies.NewFuncSpec(colonies.FuncSpecOptions{
		FuncName: "greet", Args: []any{"world"}, ColonyName: env.ColonyName, ExecutorType: executorType})
	process, err := c.SubmitFuncSpec(ctx, spec, env.PrvKey)
	if err != nil {
		log.Fatal(err)
	}
	done, err := c.Wait(ctx, process.ID, env.PrvKey)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(done.State == colonies.ProcessSuccessful, done.Output[0])
	// Output: true hello, world
}

func randomSuffix() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

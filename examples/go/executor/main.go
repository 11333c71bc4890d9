// Command executor runs the functions the seed's examples call, on the
// library's executor runtime: it registers itself with the colony owner's
// key (COLONIES_COLONY_PRVKEY), runs each process's function, and on Ctrl-C
// or SIGTERM stops and removes itself. Its type is EXECUTOR_TYPE (default
// go_executor).
//
//	echo(args...)       its arguments
//	fail()              fails, always
//	gen_nums()          1, 2
//	sum_nums(a, b)      a + b
//	gen_data()          1, 2           (the monad example's)
//	process_data(n...)  their sum
//	map()               adds five gen_nums to its workflow, before "reduce"
//	reduce(n...)        their sum
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	colonies "github.com/colonyos/libcolonies/go"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("executor: ")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		stop()
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	env, err := colonies.Env()
	if err != nil {
		return err
	}
	if env.ColonyName == "" || env.ColonyPrvKey == "" {
		return errors.New("COLONIES_COLONY_NAME and COLONIES_COLONY_PRVKEY are needed (see scripts/colonies-server env)")
	}
	c, err := colonies.NewClientFromEnv()
	if err != nil {
		return err
	}
	defer c.Close()
	executorType := os.Getenv("EXECUTOR_TYPE")
	if executorType == "" {
		executorType = "go_executor"
	}
	funcs := map[string]colonies.JobFunc{
		"echo":         echo,
		"fail":         fail,
		"gen_nums":     oneTwo,
		"sum_nums":     sum,
		"gen_data":     oneTwo,
		"process_data": sum,
		"reduce":       sum,
		"map":          mapper(c),
	}
	rt, err := c.NewExecutorRuntime(colonies.ExecutorOptions{
		ColonyName:   env.ColonyName,
		ExecutorType: executorType,
		ColonyPrvKey: env.ColonyPrvKey,
	}, funcs)
	if err != nil {
		return err
	}
	defer rt.Close()
	if err := rt.Register(ctx); err != nil {
		return err
	}
	info, err := rt.Info()
	if err != nil {
		return err
	}
	fmt.Printf("executor ready: %s (type %s) in colony %s\n", info["executorname"], executorType, env.ColonyName)
	return rt.Run(ctx)
}

func echo(_ context.Context, job *colonies.Job) ([]any, error) { return job.Args, nil }

func fail(context.Context, *colonies.Job) ([]any, error) { return nil, errors.New("fail always fails") }

func oneTwo(context.Context, *colonies.Job) ([]any, error) { return []any{1, 2}, nil }

func sum(_ context.Context, job *colonies.Job) ([]any, error) {
	total := 0.0
	for _, v := range job.Args {
		n, ok := v.(float64)
		if !ok {
			return nil, fmt.Errorf("%v is not a number", v)
		}
		total += n
	}
	return []any{total}, nil
}

// mapper is the MapReduce's map: five gen_nums between itself and reduce.
func mapper(c *colonies.Client) colonies.JobFunc {
	return func(ctx context.Context, job *colonies.Job) ([]any, error) {
		p, key := job.Process, job.Ctx.ExecutorPrvKey
		reduce, err := c.FindProcess(ctx, p.ProcessGraphID, "reduce", key)
		if err != nil {
			return nil, err
		}
		for i := 0; i < 5; i++ {
			spec, err := colonies.NewFuncSpec(colonies.FuncSpecOptions{
				FuncName:     "gen_nums",
				NodeName:     fmt.Sprintf("gen_nums_%d", i),
				ColonyName:   job.Ctx.ColonyName,
				ExecutorType: p.FunctionSpec.Conditions.ExecutorType,
				Priority:     colonies.Ptr(200),
			})
			if err != nil {
				return nil, err
			}
			if _, err := c.AddChild(ctx, p.ProcessGraphID, p.ID, reduce.ID, spec, i == 0, key); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
}

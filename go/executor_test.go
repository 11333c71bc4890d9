package colonies

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// The runtime runs functions, fails a process whose function errs, and on
// its context's end gives the function in flight its grace, then fails it.
func TestExecutorRuntime(t *testing.T) {
	f := newFixture(t)
	release := make(chan struct{})
	funcs := map[string]JobFunc{
		"echo": func(_ context.Context, j *Job) ([]any, error) { return j.Args, nil },
		"boom": func(context.Context, *Job) ([]any, error) { return nil, errors.New("it broke") },
		"slow": func(ctx context.Context, _ *Job) ([]any, error) {
			select {
			case <-release:
			case <-ctx.Done():
			}
			return []any{"late"}, nil
		},
	}
	rt, err := f.c.NewExecutorRuntime(ExecutorOptions{ColonyName: f.colony, ExecutorType: "rt-" + randomHex(t, 4),
		ColonyPrvKey: f.colonyKey, AssignTimeout: 1}, funcs)
	if err != nil {
		t.Fatalf("NewExecutorRuntime: %v", err)
	}
	rt.Grace = 300 * time.Millisecond
	var notices []string
	rt.Notice = func(s string) { notices = append(notices, s) }
	if err := rt.Register(f.ctx); err != nil {
		t.Fatalf("Register: %v", err)
	}
	info, _ := rt.Info()
	etype, key := info["executortype"].(string), info["prvkey"].(string)
	ctx, stop := context.WithCancel(f.ctx)
	ran := make(chan error, 1)
	go func() { ran <- rt.Run(ctx) }()

	submit := func(fn string, args ...any) *Process {
		spec := f.spec(t, FuncSpecOptions{FuncName: fn, ExecutorType: etype, Args: args})
		p, err := f.c.SubmitFuncSpec(f.ctx, spec, key)
		if err != nil {
			t.Fatalf("SubmitFuncSpec: %v", err)
		}
		return p
	}
	done, err := f.c.Wait(f.ctx, submit("echo", "hi", 2.0).ID, key)
	if err != nil || done.State != ProcessSuccessful || len(done.Output) != 2 || done.Output[0] != "hi" {
		t.Fatalf("echo = %+v, %v", done, err)
	}
	done, err = f.c.Wait(f.ctx, submit("boom").ID, key)
	if err != nil || done.State != ProcessFailed || len(done.Errors) != 1 || done.Errors[0] != "it broke" {
		t.Fatalf("boom = %+v, %v", done, err)
	}
	slow := submit("slow")
	if _, err := f.c.WaitForState(f.ctx, slow.ID, ProcessRunning, key); err != nil {
		t.Fatalf("WaitForState(running): %v", err)
	}
	stopped := time.Now()
	stop()
	select {
	case err := <-ran:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if took := time.Since(stopped); took < 300*time.Millisecond {
		t.Errorf("Run returned %v after the stop, before the grace", took)
	}
	done, err = f.c.GetProcess(f.ctx, slow.ID, key)
	if err != nil || done.State != ProcessFailed || len(done.Errors) != 1 || !strings.Contains(done.Errors[0], "stopped before slow finished") {
		t.Errorf("slow after the stop = %+v, %v", done, err)
	}
	close(release)
	if err := rt.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	e, err := f.c.GetExecutor(f.ctx, f.colony, info["executorname"].(string), f.executorKey)
	if err != nil || e.State != ExecutorUnregistered {
		t.Errorf("the executor after Close = %+v, %v; want it unregistered", e, err)
	}
}

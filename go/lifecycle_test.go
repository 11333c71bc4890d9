package colonies

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestServerCalls(t *testing.T) {
	c, env := newTestClient(t)
	ctx := testCtx(t)
	if err := c.Health(ctx); err != nil {
		t.Errorf("Health: %v", err)
	}
	v, err := c.Version(ctx, "", "")
	if err != nil {
		t.Fatalf("Version: %v", err)
	}
	if v == nil || v.MsgType != "versionmsg" {
		t.Fatalf("Version = %+v, want a versionmsg reply", v)
	}
	info, err := c.GetServerInfo(ctx)
	if err != nil || info == nil || len(info.Backends) == 0 {
		t.Fatalf("GetServerInfo = %+v, %v", info, err)
	}
	// Send with no key sends the message unsigned, as Version does.
	raw, err := c.Send(ctx, "versionmsg", map[string]string{"buildversion": "", "buildtime": ""}, "")
	if err != nil {
		t.Fatalf("Send versionmsg: %v", err)
	}
	var sent ServerVersion
	if err := decode(string(raw), &sent); err != nil || sent != *v {
		t.Errorf("Send versionmsg = %s (%v); Version = %+v", raw, err, *v)
	}
	// Call runs the same operation by its registry name.
	raw, err = c.Call(ctx, "version", map[string]string{"buildversion": "", "buildtime": ""}, "")
	if err != nil {
		t.Fatalf("Call version: %v", err)
	}
	var called ServerVersion
	if err := json.Unmarshal(raw, &called); err != nil || called != *v {
		t.Errorf("Call version = %s (%v); Version = %+v", raw, err, *v)
	}
	stats, err := c.GetStatistics(ctx, env.serverKey)
	if err != nil || stats == nil || stats.Colonies < 1 {
		t.Errorf("GetStatistics = %+v, %v", stats, err)
	}
	if LibraryVersion() == "" {
		t.Error("LibraryVersion is empty")
	}
	var registry map[string]any
	if err := json.Unmarshal(Registry(), &registry); err != nil || len(registry) == 0 {
		t.Errorf("Registry is not a JSON object: %v", err)
	}
}

func TestColoniesAndExecutors(t *testing.T) {
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	colony, err := c.GetColony(ctx, f.colony, f.executorKey)
	if err != nil || colony == nil || colony.Name != f.colony || colony.ID != mustID(t, f.colonyKey) {
		t.Fatalf("GetColony = %+v, %v", colony, err)
	}
	all, err := c.GetColonies(ctx, f.env.serverKey)
	if err != nil || !slices.Contains(all, *colony) {
		t.Errorf("GetColonies = %v, %v; want it to hold %+v", all, err, *colony)
	}
	e, err := c.GetExecutor(ctx, f.colony, f.executor, f.executorKey)
	if err != nil || e == nil || e.State != ExecutorApproved || e.Type != f.executorType || e.ID != mustID(t, f.executorKey) {
		t.Fatalf("GetExecutor = %+v, %v", e, err)
	}
	es, err := c.GetExecutors(ctx, f.colony, f.executorKey)
	if err != nil || len(es) != 1 || es[0].Name != f.executor {
		t.Errorf("GetExecutors = %+v, %v", es, err)
	}

	// A second executor, rejected and then removed.
	otherKey := mustPrvKey(t)
	other := Executor{ID: mustID(t, otherKey), Type: f.executorType, Name: f.executor + "-2", ColonyName: f.colony}
	added, err := c.AddExecutor(ctx, other, f.colonyKey)
	if err != nil || added == nil || added.State != ExecutorPending || added.CommissionTime.IsZero() {
		t.Fatalf("AddExecutor = %+v, %v", added, err)
	}
	if err := c.RejectExecutor(ctx, f.colony, other.Name, f.colonyKey); err != nil {
		t.Fatalf("RejectExecutor: %v", err)
	}
	// A rejected executor is not a member.
	_, err = c.GetColony(ctx, f.colony, otherKey)
	wantKind(t, "GetColony by a rejected executor", err, ErrForbidden)
	if err := c.RemoveExecutor(ctx, f.colony, other.Name, f.colonyKey); err != nil {
		t.Fatalf("RemoveExecutor: %v", err)
	}
	// The server keeps a removed executor, marked unregistered.
	removed, err := c.GetExecutor(ctx, f.colony, other.Name, f.executorKey)
	if err != nil || removed == nil || removed.State != ExecutorUnregistered {
		t.Errorf("GetExecutor of a removed executor = %+v, %v", removed, err)
	}
}

func TestFunctions(t *testing.T) {
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	fn, err := c.AddFunction(ctx, Function{
		ExecutorName: f.executor, ExecutorType: f.executorType, ColonyName: f.colony, FuncName: "echo",
	}, f.executorKey)
	if err != nil || fn == nil || fn.FunctionID == "" || fn.FuncName != "echo" {
		t.Fatalf("AddFunction = %+v, %v", fn, err)
	}
	for _, name := range []string{f.executor, ""} {
		fns, err := c.GetFunctions(ctx, name, f.colony, f.executorKey)
		if err != nil || len(fns) != 1 || fns[0].FunctionID != fn.FunctionID {
			t.Errorf("GetFunctions(%q) = %+v, %v", name, fns, err)
		}
	}
	if err := c.RemoveFunction(ctx, fn.FunctionID, f.executorKey); err != nil {
		t.Fatalf("RemoveFunction: %v", err)
	}
	fns, err := c.GetFunctions(ctx, f.executor, f.colony, f.executorKey)
	if err != nil || len(fns) != 0 {
		t.Errorf("GetFunctions after removal = %+v, %v", fns, err)
	}
	wantKind(t, "RemoveFunction twice", c.RemoveFunction(ctx, fn.FunctionID, f.executorKey), ErrNotFound)
}

// TestProcessLifecycle runs a process from submission to a successful close.
func TestProcessLifecycle(t *testing.T) {
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	submitted := f.submit(t, "echo", "hello", 42)
	if submitted.State != ProcessWaiting || submitted.FunctionSpec.FuncName != "echo" ||
		submitted.FunctionSpec.Conditions.ExecutorType != f.executorType {
		t.Fatalf("SubmitFuncSpec = %+v", submitted)
	}
	if ids := f.processIDs(t, ProcessWaiting); !slices.Equal(ids, []string{submitted.ID}) {
		t.Errorf("waiting processes = %v, want [%s]", ids, submitted.ID)
	}

	p, err := c.AssignProcess(ctx, f.colony, 10, "", "", f.executorKey)
	if err != nil {
		t.Fatalf("AssignProcess: %v", err)
	}
	if p == nil || p.ID != submitted.ID || p.State != ProcessRunning || !p.IsAssigned || p.AssignedExecutorID != mustID(t, f.executorKey) {
		t.Fatalf("AssignProcess = %+v", p)
	}
	if !reflect.DeepEqual(p.FunctionSpec.Args, []any{"hello", 42.0}) {
		t.Errorf("assigned args = %#v", p.FunctionSpec.Args)
	}
	if ids := f.processIDs(t, ProcessRunning); !slices.Equal(ids, []string{p.ID}) {
		t.Errorf("running processes = %v, want [%s]", ids, p.ID)
	}

	if err := c.SetOutput(ctx, p.ID, []any{"partial"}, f.executorKey); err != nil {
		t.Fatalf("SetOutput: %v", err)
	}
	running, err := c.GetProcess(ctx, p.ID, f.executorKey)
	if err != nil || running == nil || running.State != ProcessRunning || !reflect.DeepEqual(running.Output, []any{"partial"}) {
		t.Errorf("process after SetOutput = %+v, %v; want running with output [partial]", running, err)
	}
	output := []any{"hello", 42.0, map[string]any{"nested": true}}
	if err := c.CloseSuccessful(ctx, p.ID, output, f.executorKey); err != nil {
		t.Fatalf("CloseSuccessful: %v", err)
	}
	done, err := c.GetProcess(ctx, p.ID, f.executorKey)
	if err != nil || done == nil {
		t.Fatalf("GetProcess = %+v, %v", done, err)
	}
	if done.State != ProcessSuccessful || !reflect.DeepEqual(done.Output, output) || done.EndTime.Before(done.StartTime) {
		t.Errorf("closed process: state %v, output %#v, start %v, end %v", done.State, done.Output, done.StartTime, done.EndTime)
	}
	if ids := f.processIDs(t, ProcessSuccessful); !slices.Equal(ids, []string{p.ID}) {
		t.Errorf("successful processes = %v, want [%s]", ids, p.ID)
	}
	stats, err := c.GetColonyStats(ctx, f.colony, f.executorKey)
	if err != nil || stats == nil || stats.SuccessfulProcesses != 1 || stats.Executors != 1 {
		t.Errorf("GetColonyStats = %+v, %v", stats, err)
	}
	// A closed process cannot be failed.
	wantKind(t, "CloseFailed after CloseSuccessful", c.CloseFailed(ctx, p.ID, nil, f.executorKey), ErrServer)
}

func TestProcessFail(t *testing.T) {
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	submitted := f.submit(t, "crash")
	p, err := c.AssignProcess(ctx, f.colony, 10, "", "", f.executorKey)
	if err != nil {
		t.Fatalf("AssignProcess: %v", err)
	}
	if p == nil || p.ID != submitted.ID {
		t.Fatalf("AssignProcess = %+v, want %s", p, submitted.ID)
	}
	if err := c.CloseFailed(ctx, p.ID, []string{"boom", "again"}, f.executorKey); err != nil {
		t.Fatalf("CloseFailed: %v", err)
	}
	failed, err := c.GetProcess(ctx, p.ID, f.executorKey)
	if err != nil || failed == nil || failed.State != ProcessFailed || !slices.Equal(failed.Errors, []string{"boom", "again"}) {
		t.Fatalf("failed process = %+v, %v", failed, err)
	}
	if ids := f.processIDs(t, ProcessFailed); !slices.Equal(ids, []string{p.ID}) {
		t.Errorf("failed processes = %v, want [%s]", ids, p.ID)
	}
}

func TestListProcessesFilter(t *testing.T) {
	f := newFixture(t)
	mine := f.submit(t, "echo")
	f.submitTo(t, "another-type", "echo")
	ps, err := f.c.GetProcesses(f.ctx, f.colony, 100, ProcessWaiting, f.executorType, "", "", f.executorKey)
	if err != nil || len(ps) != 1 || ps[0].ID != mine.ID {
		t.Errorf("GetProcesses by executor type = %+v, %v; want only %s", ps, err, mine.ID)
	}
	if n := len(f.processIDs(t, ProcessWaiting)); n != 2 {
		t.Errorf("%d waiting processes, want 2", n)
	}
}

func TestCancelProcess(t *testing.T) {
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	p := f.submit(t, "echo")
	if err := c.CancelProcess(ctx, p.ID, f.executorKey); err != nil {
		t.Fatalf("CancelProcess: %v", err)
	}
	cancelled, err := c.GetProcess(ctx, p.ID, f.executorKey)
	if err != nil || cancelled == nil || cancelled.State != ProcessCancelled {
		t.Fatalf("cancelled process = %+v, %v", cancelled, err)
	}
	if ids := f.processIDs(t, ProcessCancelled); !slices.Equal(ids, []string{p.ID}) {
		t.Errorf("cancelled processes = %v, want [%s]", ids, p.ID)
	}
	wantKind(t, "CancelProcess twice", c.CancelProcess(ctx, p.ID, f.executorKey), ErrServer)
}

func TestRemoveProcesses(t *testing.T) {
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	p1 := f.submit(t, "echo")
	p2 := f.submit(t, "echo")
	p3 := f.submit(t, "echo")
	if err := c.RemoveProcess(ctx, p1.ID, false, f.executorKey); err != nil {
		t.Fatalf("RemoveProcess: %v", err)
	}
	_, err := c.GetProcess(ctx, p1.ID, f.executorKey)
	wantKind(t, "GetProcess of a removed process", err, ErrNotFound)

	if err := c.CancelProcess(ctx, p3.ID, f.executorKey); err != nil {
		t.Fatalf("CancelProcess: %v", err)
	}
	// Removing the waiting ones leaves the cancelled one.
	if err := c.RemoveAllProcesses(ctx, f.colony, ProcessWaiting, f.colonyKey); err != nil {
		t.Fatalf("RemoveAllProcesses(ProcessWaiting): %v", err)
	}
	if _, err := c.GetProcess(ctx, p2.ID, f.executorKey); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetProcess of a removed waiting process: %v, want ErrNotFound", err)
	}
	if ids := f.processIDs(t, ProcessCancelled); !slices.Equal(ids, []string{p3.ID}) {
		t.Errorf("cancelled processes = %v, want [%s]", ids, p3.ID)
	}
	if err := c.RemoveAllProcesses(ctx, f.colony, ProcessAll, f.colonyKey); err != nil {
		t.Fatalf("RemoveAllProcesses(ProcessAll): %v", err)
	}
	if ids := f.processIDs(t, ProcessCancelled); len(ids) != 0 {
		t.Errorf("cancelled processes after removing all = %v", ids)
	}
	// Only the colony owner may remove all processes.
	wantKind(t, "RemoveAllProcesses by an executor", c.RemoveAllProcesses(ctx, f.colony, ProcessAll, f.executorKey), ErrForbidden)
}

// TestAssignExpired: an assign that finds nothing within its timeout fails
// with ErrExpired (the server waited as asked), not ErrTimeout (the server
// did not answer).
func TestAssignExpired(t *testing.T) {
	f := newFixture(t)
	start := time.Now()
	p, err := f.c.AssignProcess(f.ctx, f.colony, 1, "", "", f.executorKey)
	wantKind(t, "AssignProcess with nothing to assign", err, ErrExpired)
	if p != nil {
		t.Errorf("AssignProcess with nothing to assign returned %+v", p)
	}
	for _, not := range []error{ErrTimeout, ErrInDoubt, ErrNotFound, ErrServer} {
		if errors.Is(err, not) {
			t.Errorf("AssignProcess with nothing to assign: %v is also %v", err, not)
		}
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Errorf("AssignProcess gave up after %v, want about 1 s", waited)
	}
}

// TestAssignContextCancelled: cancelling the context stops an assign that
// the server is holding open, at once. The request had gone out and assign
// is not idempotent, so the outcome is in doubt.
func TestAssignContextCancelled(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	timer := time.AfterFunc(300*time.Millisecond, cancel)
	defer timer.Stop()
	start := time.Now()
	p, err := f.c.AssignProcess(ctx, f.colony, 20, "", "", f.executorKey)
	waited := time.Since(start)
	if err == nil {
		t.Fatalf("AssignProcess with a cancelled context = %+v, nil", p)
	}
	if p != nil {
		t.Errorf("AssignProcess with a cancelled context returned %+v", p)
	}
	if waited > 2*time.Second || waited < 250*time.Millisecond {
		t.Errorf("AssignProcess returned %v after the call, want about 300 ms", waited)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("AssignProcess with a cancelled context: %v is not context.Canceled", err)
	}
	wantKind(t, "AssignProcess with a cancelled context", err, ErrInDoubt)
	if errors.Is(err, ErrExpired) || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("AssignProcess with a cancelled context: %v is ErrExpired or DeadlineExceeded", err)
	}
	// The client is still usable, and an already-done context is refused
	// before anything is sent.
	if err := f.c.Health(f.ctx); err != nil {
		t.Errorf("Health after a cancelled call: %v", err)
	}
	_, err = f.c.AssignProcess(ctx, f.colony, 20, "", "", f.executorKey)
	wantKind(t, "AssignProcess with a context cancelled before the call", err, ErrCancelled)
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrInDoubt) {
		t.Errorf("AssignProcess with a context cancelled before the call: %v, want context.Canceled and not ErrInDoubt", err)
	}
}

// TestAssignContextDeadline: a context deadline shorter than the assign's
// timeout ends the call at the deadline.
func TestAssignContextDeadline(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(f.ctx, 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	p, err := f.c.AssignProcess(ctx, f.colony, 20, "", "", f.executorKey)
	waited := time.Since(start)
	if err == nil {
		t.Fatalf("AssignProcess past its context's deadline = %+v, nil", p)
	}
	if p != nil {
		t.Errorf("AssignProcess past its context's deadline returned %+v", p)
	}
	if waited > 3*time.Second || waited < 400*time.Millisecond {
		t.Errorf("AssignProcess returned %v after the call, want about 500 ms", waited)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("AssignProcess past its context's deadline: %v is not context.DeadlineExceeded", err)
	}
	// The request had gone out and assign is not idempotent.
	wantKind(t, "AssignProcess past its context's deadline", err, ErrInDoubt)
	if errors.Is(err, ErrExpired) || errors.Is(err, context.Canceled) {
		t.Errorf("AssignProcess past its context's deadline: %v is ErrExpired or context.Canceled", err)
	}
	// A deadline already passed is refused before anything is sent.
	_, err = f.c.AssignProcess(ctx, f.colony, 20, "", "", f.executorKey)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("AssignProcess with a passed deadline: %v is not context.DeadlineExceeded", err)
	}
}

package colonies

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestServerCalls(t *testing.T) {
	c, env := newTestClient(t)
	if err := c.Health(); err != nil {
		t.Errorf("Health: %v", err)
	}
	v, err := c.Version()
	if err != nil {
		t.Fatalf("Version: %v", err)
	}
	info, err := c.ServerInfo()
	if err != nil || len(info.Backends) == 0 {
		t.Fatalf("ServerInfo = %+v, %v", info, err)
	}
	// Send with no key sends the message unsigned, as Version does.
	raw, err := c.Send("versionmsg", map[string]string{"buildversion": "", "buildtime": ""}, "")
	if err != nil {
		t.Fatalf("Send versionmsg: %v", err)
	}
	sent, err := decode[ServerVersion](string(raw))
	if err != nil || sent != *v {
		t.Errorf("Send versionmsg = %s (%v); Version = %+v", raw, err, *v)
	}
	stats, err := c.Statistics(env.serverKey)
	if err != nil || stats.Colonies < 1 {
		t.Errorf("Statistics = %+v, %v", stats, err)
	}
	if LibraryVersion() == "" {
		t.Error("LibraryVersion is empty")
	}
}

func TestColoniesAndExecutors(t *testing.T) {
	f := newFixture(t)
	c := f.c
	colony, err := c.GetColony(f.colony, f.executorKey)
	if err != nil || colony.Name != f.colony || colony.ID != mustID(t, f.colonyKey) {
		t.Fatalf("GetColony = %+v, %v", colony, err)
	}
	all, err := c.ListColonies(f.env.serverKey)
	if err != nil || !slices.Contains(all, *colony) {
		t.Errorf("ListColonies = %v, %v; want it to hold %+v", all, err, *colony)
	}
	e, err := c.GetExecutor(f.colony, f.executor, f.executorKey)
	if err != nil || e.State != ExecutorApproved || e.Type != f.executorType || e.ID != mustID(t, f.executorKey) {
		t.Fatalf("GetExecutor = %+v, %v", e, err)
	}
	es, err := c.ListExecutors(f.colony, f.executorKey)
	if err != nil || len(es) != 1 || es[0].Name != f.executor {
		t.Errorf("ListExecutors = %+v, %v", es, err)
	}

	// A second executor, rejected and then removed.
	otherKey := mustPrvKey(t)
	other := Executor{ID: mustID(t, otherKey), Type: f.executorType, Name: f.executor + "-2", ColonyName: f.colony}
	added, err := c.AddExecutor(other, f.colonyKey)
	if err != nil || added.State != ExecutorPending || added.CommissionTime.IsZero() {
		t.Fatalf("AddExecutor = %+v, %v", added, err)
	}
	if err := c.RejectExecutor(f.colony, other.Name, f.colonyKey); err != nil {
		t.Fatalf("RejectExecutor: %v", err)
	}
	// A rejected executor is not a member.
	_, err = c.GetColony(f.colony, otherKey)
	wantKind(t, "GetColony by a rejected executor", err, ErrForbidden)
	if err := c.RemoveExecutor(f.colony, other.Name, f.colonyKey); err != nil {
		t.Fatalf("RemoveExecutor: %v", err)
	}
	// The server keeps a removed executor, marked unregistered.
	removed, err := c.GetExecutor(f.colony, other.Name, f.executorKey)
	if err != nil || removed.State != ExecutorUnregistered {
		t.Errorf("GetExecutor of a removed executor = %+v, %v", removed, err)
	}
}

func TestFunctions(t *testing.T) {
	f := newFixture(t)
	fn, err := f.c.AddFunction(Function{
		ExecutorName: f.executor, ExecutorType: f.executorType, ColonyName: f.colony, FuncName: "echo",
	}, f.executorKey)
	if err != nil || fn.ID == "" || fn.FuncName != "echo" {
		t.Fatalf("AddFunction = %+v, %v", fn, err)
	}
	for _, name := range []string{f.executor, ""} {
		fns, err := f.c.ListFunctions(f.colony, name, f.executorKey)
		if err != nil || len(fns) != 1 || fns[0].ID != fn.ID {
			t.Errorf("ListFunctions(%q) = %+v, %v", name, fns, err)
		}
	}
	if err := f.c.RemoveFunction(fn.ID, f.executorKey); err != nil {
		t.Fatalf("RemoveFunction: %v", err)
	}
	fns, err := f.c.ListFunctions(f.colony, f.executor, f.executorKey)
	if err != nil || len(fns) != 0 {
		t.Errorf("ListFunctions after removal = %+v, %v", fns, err)
	}
	wantKind(t, "RemoveFunction twice", f.c.RemoveFunction(fn.ID, f.executorKey), ErrNotFound)
}

// TestProcessLifecycle runs a process from submission to a successful close.
func TestProcessLifecycle(t *testing.T) {
	f := newFixture(t)
	c := f.c
	submitted := f.submit(t, "echo", "hello", 42)
	if submitted.State != Waiting || submitted.Spec.FuncName != "echo" || submitted.Spec.Conditions.ExecutorType != f.executorType {
		t.Fatalf("Submit = %+v", submitted)
	}
	if ids := f.processIDs(t, Waiting); !slices.Equal(ids, []string{submitted.ID}) {
		t.Errorf("waiting processes = %v, want [%s]", ids, submitted.ID)
	}

	p, err := c.Assign(f.colony, 10*time.Second, "", "", f.executorKey)
	if err != nil {
		t.Fatalf("Assign: %v", err)
	}
	if p.ID != submitted.ID || p.State != Running || !p.IsAssigned || p.AssignedExecutorID != mustID(t, f.executorKey) {
		t.Fatalf("Assign = %+v", p)
	}
	if !reflect.DeepEqual(p.Spec.Args, []any{"hello", 42.0}) {
		t.Errorf("assigned args = %#v", p.Spec.Args)
	}
	if ids := f.processIDs(t, Running); !slices.Equal(ids, []string{p.ID}) {
		t.Errorf("running processes = %v, want [%s]", ids, p.ID)
	}

	if err := c.SetOutput(p.ID, []any{"partial"}, f.executorKey); err != nil {
		t.Fatalf("SetOutput: %v", err)
	}
	output := []any{"hello", 42.0, map[string]any{"nested": true}}
	if err := c.CloseProcess(p.ID, output, f.executorKey); err != nil {
		t.Fatalf("CloseProcess: %v", err)
	}
	done, err := c.GetProcess(p.ID, f.executorKey)
	if err != nil {
		t.Fatalf("GetProcess: %v", err)
	}
	if done.State != Successful || !reflect.DeepEqual(done.Output, output) || done.EndTime.Before(done.StartTime) {
		t.Errorf("closed process: state %v, output %#v, start %v, end %v", done.State, done.Output, done.StartTime, done.EndTime)
	}
	if ids := f.processIDs(t, Successful); !slices.Equal(ids, []string{p.ID}) {
		t.Errorf("successful processes = %v, want [%s]", ids, p.ID)
	}
	stats, err := c.ColonyStatistics(f.colony, f.executorKey)
	if err != nil || stats.SuccessfulProcesses != 1 || stats.Executors != 1 {
		t.Errorf("ColonyStatistics = %+v, %v", stats, err)
	}
	// A closed process cannot be failed.
	wantKind(t, "FailProcess after CloseProcess", c.FailProcess(p.ID, nil, f.executorKey), ErrServer)
}

func TestProcessFail(t *testing.T) {
	f := newFixture(t)
	f.submit(t, "crash")
	p, err := f.c.Assign(f.colony, 10*time.Second, "", "", f.executorKey)
	if err != nil {
		t.Fatalf("Assign: %v", err)
	}
	if err := f.c.FailProcess(p.ID, []string{"boom", "again"}, f.executorKey); err != nil {
		t.Fatalf("FailProcess: %v", err)
	}
	failed, err := f.c.GetProcess(p.ID, f.executorKey)
	if err != nil || failed.State != Failed || !slices.Equal(failed.Errors, []string{"boom", "again"}) {
		t.Fatalf("failed process = %+v, %v", failed, err)
	}
	if ids := f.processIDs(t, Failed); !slices.Equal(ids, []string{p.ID}) {
		t.Errorf("failed processes = %v, want [%s]", ids, p.ID)
	}
}

func TestListProcessesFilter(t *testing.T) {
	f := newFixture(t)
	mine := f.submit(t, "echo")
	f.submitTo(t, "another-type", "echo")
	ps, err := f.c.ListProcesses(f.colony, 100, Waiting, ProcessFilter{ExecutorType: f.executorType}, f.executorKey)
	if err != nil || len(ps) != 1 || ps[0].ID != mine.ID {
		t.Errorf("ListProcesses by executor type = %+v, %v; want only %s", ps, err, mine.ID)
	}
	if n := len(f.processIDs(t, Waiting)); n != 2 {
		t.Errorf("%d waiting processes, want 2", n)
	}
}

func TestCancelProcess(t *testing.T) {
	f := newFixture(t)
	p := f.submit(t, "echo")
	if err := f.c.CancelProcess(p.ID, f.executorKey); err != nil {
		t.Fatalf("CancelProcess: %v", err)
	}
	cancelled, err := f.c.GetProcess(p.ID, f.executorKey)
	if err != nil || cancelled.State != Cancelled {
		t.Fatalf("cancelled process = %+v, %v", cancelled, err)
	}
	if ids := f.processIDs(t, Cancelled); !slices.Equal(ids, []string{p.ID}) {
		t.Errorf("cancelled processes = %v, want [%s]", ids, p.ID)
	}
	wantKind(t, "CancelProcess twice", f.c.CancelProcess(p.ID, f.executorKey), ErrServer)
}

func TestRemoveProcesses(t *testing.T) {
	f := newFixture(t)
	p1 := f.submit(t, "echo")
	p2 := f.submit(t, "echo")
	p3 := f.submit(t, "echo")
	if err := f.c.RemoveProcess(p1.ID, f.executorKey); err != nil {
		t.Fatalf("RemoveProcess: %v", err)
	}
	_, err := f.c.GetProcess(p1.ID, f.executorKey)
	wantKind(t, "GetProcess of a removed process", err, ErrNotFound)

	if err := f.c.CancelProcess(p3.ID, f.executorKey); err != nil {
		t.Fatalf("CancelProcess: %v", err)
	}
	// Removing the waiting ones leaves the cancelled one.
	if err := f.c.RemoveAllProcesses(f.colony, Waiting, f.colonyKey); err != nil {
		t.Fatalf("RemoveAllProcesses(Waiting): %v", err)
	}
	if _, err := f.c.GetProcess(p2.ID, f.executorKey); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetProcess of a removed waiting process: %v, want ErrNotFound", err)
	}
	if ids := f.processIDs(t, Cancelled); !slices.Equal(ids, []string{p3.ID}) {
		t.Errorf("cancelled processes = %v, want [%s]", ids, p3.ID)
	}
	if err := f.c.RemoveAllProcesses(f.colony, AllStates, f.colonyKey); err != nil {
		t.Fatalf("RemoveAllProcesses(AllStates): %v", err)
	}
	if ids := f.processIDs(t, Cancelled); len(ids) != 0 {
		t.Errorf("cancelled processes after removing all = %v", ids)
	}
	// Only the colony owner may remove all processes.
	wantKind(t, "RemoveAllProcesses by an executor", f.c.RemoveAllProcesses(f.colony, AllStates, f.executorKey), ErrForbidden)
}

func TestAssignTimeout(t *testing.T) {
	f := newFixture(t)
	start := time.Now()
	_, err := f.c.Assign(f.colony, time.Second, "", "", f.executorKey)
	wantKind(t, "Assign with nothing to assign", err, ErrTimeout)
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Errorf("Assign gave up after %v, want about 1 s", waited)
	}
}

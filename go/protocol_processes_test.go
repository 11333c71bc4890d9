package colonies

import (
	"reflect"
	"slices"
	"testing"
)

// A function spec with every field set comes back as it was sent.
func TestProtocolProcessSpecRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	label := "round-" + randomHex(t, 4)
	spec := f.spec(t, FuncSpecOptions{
		FuncName: "full", NodeName: "n1",
		Args:     []any{"s", 1.5, true, nil, []any{"x"}, map[string]any{"k": "v"}},
		KwArgs:   map[string]any{"a": 1.0, "b": "two"},
		Priority: Ptr(7), MaxWaitTime: Ptr(60), MaxExecTime: Ptr(120), MaxRetries: Ptr(3),
		Label: label, Env: map[string]string{"E": "1"}, Channels: []string{"c1", "c2"},
		Filesystem: &Filesystem{
			Mount:          "/cfs",
			SnapshotMounts: []SnapshotMount{{SnapshotID: "sid", Label: "/l", Dir: "/d", KeepFiles: true, KeepSnaphot: true}},
			SyncDirMounts: []SyncDirMount{{Label: "/s", Dir: "/sd", KeepFiles: true,
				ConflictResolution: ConflictResolution{OnStart: OnStart{KeepLocal: true}}}},
		},
		Nodes: 2, CPU: "500m", Processes: 4, ProcessesPerNode: 2, Memory: "1024Mi", Storage: "2048Mi",
		GPU: &GPU{Name: "v100", Memory: "16384Mi", Count: 1}, WallTime: 600,
	})
	submitted, err := c.SubmitFuncSpec(ctx, spec, f.executorKey)
	if err != nil {
		t.Fatalf("SubmitFuncSpec: %v", err)
	}
	got, err := c.GetProcess(ctx, submitted.ID, f.executorKey)
	if err != nil {
		t.Fatalf("GetProcess: %v", err)
	}
	if !reflect.DeepEqual(got.FunctionSpec, spec) {
		t.Errorf("GetProcess spec = %+v\nwant %+v", got.FunctionSpec, spec)
	}
	if got.ID != submitted.ID || got.State != ProcessWaiting || got.IsAssigned || got.InitiatorID != mustID(t, f.executorKey) ||
		got.InitiatorName != f.executor || got.PriorityTime == 0 || got.ProcessGraphID != "" {
		t.Errorf("GetProcess = %+v", got)
	}
	wantRecent(t, "submission time", got.SubmissionTime)
	// maxwaittime 60 s: the deadline is a minute after submission.
	if d := got.WaitDeadline.Sub(got.SubmissionTime).Seconds(); d < 59 || d > 61 {
		t.Errorf("wait deadline %v is not 60 s after submission %v", got.WaitDeadline, got.SubmissionTime)
	}
	if !got.StartTime.IsZero() || !got.EndTime.IsZero() {
		t.Errorf("a waiting process has start %v, end %v", got.StartTime, got.EndTime)
	}
	env := Attribute{TargetID: got.ID, TargetColonyName: f.colony, AttributeType: AttributeEnv, Key: "E", Value: "1"}
	if len(got.Attributes) != 1 || got.Attributes[0].ID == "" {
		t.Fatalf("attributes = %+v, want the env attribute", got.Attributes)
	}
	env.ID = got.Attributes[0].ID
	if got.Attributes[0] != env {
		t.Errorf("env attribute = %+v, want %+v", got.Attributes[0], env)
	}

	// The filters of GetProcesses.
	f.submit(t, "other")
	byLabel, err := c.GetProcesses(ctx, f.colony, 10, ProcessWaiting, "", label, "", f.executorKey)
	if err != nil || len(byLabel) != 1 || byLabel[0].ID != got.ID {
		t.Errorf("GetProcesses by label = %+v, %v", byLabel, err)
	}
	byType, err := c.GetProcesses(ctx, f.colony, 10, ProcessWaiting, f.executorType, "", "", f.executorKey)
	if err != nil || len(byType) != 2 {
		t.Errorf("GetProcesses by executor type = %d processes, %v; want 2", len(byType), err)
	}
	none, err := c.GetProcesses(ctx, f.colony, 10, ProcessRunning, "", "", "", f.executorKey)
	wantEmpty(t, "GetProcesses running", none, err)
}

func TestProtocolProcessLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	executorID := mustID(t, f.executorKey)

	hist, err := c.GetProcessHist(ctx, f.colony, "", 60, ProcessWaiting, f.executorKey)
	wantEmpty(t, "GetProcessHist of a new colony", hist, err)

	spec := f.spec(t, FuncSpecOptions{FuncName: "sized", CPU: "500m", Memory: "1Gi"})
	submitted, err := c.SubmitFuncSpec(ctx, spec, f.executorKey)
	if err != nil {
		t.Fatalf("SubmitFuncSpec: %v", err)
	}
	// The available resources are compared with the process's.
	_, err = c.AssignProcess(ctx, f.colony, 1, "100m", "4Gi", f.executorKey)
	wantServerError(t, "AssignProcess with too little cpu", err, ErrExpired, 404, "No process available for assignment")
	_, err = c.AssignProcess(ctx, f.colony, 1, "1000m", "512Mi", f.executorKey)
	wantServerError(t, "AssignProcess with too little memory", err, ErrExpired, 404, "No process available for assignment")
	p, err := c.AssignProcess(ctx, f.colony, 5, "1000m", "4Gi", f.executorKey)
	if err != nil {
		t.Fatalf("AssignProcess: %v", err)
	}
	if p.ID != submitted.ID || p.State != ProcessRunning || !p.IsAssigned || p.AssignedExecutorID != executorID {
		t.Errorf("AssignProcess = %+v", p)
	}
	wantRecent(t, "start time", p.StartTime)

	hist, err = c.GetProcessHist(ctx, f.colony, executorID, 60, ProcessRunning, f.executorKey)
	if err != nil || len(hist) != 1 || hist[0].ID != p.ID || hist[0].State != ProcessRunning {
		t.Errorf("GetProcessHist running = %+v, %v", hist, err)
	}
	hist, err = c.GetProcessHist(ctx, f.colony, mustID(t, mustPrvKey(t)), 60, ProcessRunning, f.executorKey)
	wantEmpty(t, "GetProcessHist of another executor", hist, err)
	// The server refuses the owner with an empty 200 reply.
	_, err = c.GetProcessHist(ctx, f.colony, "", 60, ProcessRunning, f.colonyKey)
	if e := wantKind(t, "GetProcessHist by the colony owner", err, ErrForbidden); e.HTTPStatus != 200 {
		t.Errorf("GetProcessHist by the colony owner: HTTP %d, want the server's empty 200", e.HTTPStatus)
	}

	if err := c.SetOutput(ctx, p.ID, []any{"partial", 1}, f.executorKey); err != nil {
		t.Fatalf("SetOutput: %v", err)
	}
	if got, err := c.GetProcess(ctx, p.ID, f.executorKey); err != nil || !reflect.DeepEqual(got.Output, []any{"partial", 1.0}) {
		t.Errorf("output after SetOutput = %#v, %v", got.Output, err)
	}
	out := []any{"done", 2.5, map[string]any{"k": []any{true}}}
	if err := c.CloseSuccessful(ctx, p.ID, out, f.executorKey); err != nil {
		t.Fatalf("CloseSuccessful: %v", err)
	}
	done, err := c.GetProcess(ctx, p.ID, f.executorKey)
	if err != nil {
		t.Fatalf("GetProcess: %v", err)
	}
	if done.State != ProcessSuccessful || !reflect.DeepEqual(done.Output, out) || len(done.Errors) != 0 {
		t.Errorf("closed process = state %d, output %#v, errors %v", done.State, done.Output, done.Errors)
	}
	wantRecent(t, "end time", done.EndTime)
	if done.EndTime.Before(done.StartTime) {
		t.Errorf("end %v before start %v", done.EndTime, done.StartTime)
	}
	hist, err = c.GetProcessHist(ctx, f.colony, "", 60, ProcessSuccessful, f.executorKey)
	if err != nil || len(hist) != 1 || hist[0].ID != p.ID {
		t.Errorf("GetProcessHist successful = %+v, %v", hist, err)
	}

	// A failed process keeps its errors.
	f.submit(t, "failing")
	failing := f.assign(t)
	if err := c.CloseFailed(ctx, failing.ID, []string{"boom", "bang"}, f.executorKey); err != nil {
		t.Fatalf("CloseFailed: %v", err)
	}
	failed, err := c.GetProcess(ctx, failing.ID, f.executorKey)
	if err != nil || failed.State != ProcessFailed || !slices.Equal(failed.Errors, []string{"boom", "bang"}) {
		t.Errorf("failed process = %+v, %v", failed, err)
	}
	err = c.CloseFailed(ctx, failing.ID, nil, f.executorKey)
	wantServerError(t, "CloseFailed twice", err, ErrServer, 400, "Tried to set failed process as failed")

	// A cancelled process, then removed.
	cancelled := f.submit(t, "cancelled")
	if err := c.CancelProcess(ctx, cancelled.ID, f.executorKey); err != nil {
		t.Fatalf("CancelProcess: %v", err)
	}
	if got, err := c.GetProcess(ctx, cancelled.ID, f.executorKey); err != nil || got.State != ProcessCancelled {
		t.Errorf("cancelled process = %+v, %v", got, err)
	}
	err = c.CancelProcess(ctx, cancelled.ID, f.executorKey)
	wantServerError(t, "CancelProcess twice", err, ErrServer, 400, "Tried to cancel already cancelled process")
	if err := c.RemoveProcess(ctx, cancelled.ID, false, f.executorKey); err != nil {
		t.Fatalf("RemoveProcess: %v", err)
	}
	_, err = c.GetProcess(ctx, cancelled.ID, f.executorKey)
	wantServerError(t, "GetProcess of a removed process", err, ErrNotFound, 404, "Failed to get process, process not found")
	err = c.RemoveProcess(ctx, cancelled.ID, false, f.executorKey)
	wantServerError(t, "RemoveProcess twice", err, ErrNotFound, 500, "Failed to remove process, process is nil")
}

// AddChild adds processes to a running workflow, after its running process
// and, with insert, between it and its children.
func TestProtocolAddChild(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	graph, err := c.SubmitWorkflowSpec(ctx, f.chain(t, "a", "b"), f.executorKey)
	if err != nil {
		t.Fatalf("SubmitWorkflowSpec: %v", err)
	}
	a := f.assign(t)
	if a.FunctionSpec.NodeName != "a" || a.ProcessGraphID != graph.ID || len(a.Children) != 1 {
		t.Fatalf("assigned %+v, want node a of %s with one child", a, graph.ID)
	}
	b := a.Children[0]

	child, err := c.AddChild(ctx, graph.ID, a.ID, "", f.spec(t, FuncSpecOptions{FuncName: "map", NodeName: "c", Args: []any{"part"}}), false, f.executorKey)
	if err != nil {
		t.Fatalf("AddChild: %v", err)
	}
	if child.ID == "" || child.ProcessGraphID != graph.ID || child.State != ProcessWaiting || !child.WaitForParents ||
		!slices.Equal(child.Parents, []string{a.ID}) || len(child.Children) != 0 ||
		child.FunctionSpec.NodeName != "c" || child.FunctionSpec.FuncName != "map" ||
		!reflect.DeepEqual(child.FunctionSpec.Args, []any{"part"}) {
		t.Errorf("AddChild = %+v", child)
	}
	wantRecent(t, "child submission time", child.SubmissionTime)

	inserted, err := c.AddChild(ctx, graph.ID, a.ID, "", f.spec(t, FuncSpecOptions{FuncName: "between", NodeName: "d"}), true, f.executorKey)
	if err != nil {
		t.Fatalf("AddChild with insert: %v", err)
	}
	if !slices.Equal(inserted.Parents, []string{a.ID}) || !sameSet(inserted.Children, []string{b, child.ID}) {
		t.Errorf("inserted child: parents %v, children %v; want [%s] and {%s %s}", inserted.Parents, inserted.Children, a.ID, b, child.ID)
	}

	g, err := c.GetProcessGraph(ctx, graph.ID, f.executorKey)
	if err != nil {
		t.Fatalf("GetProcessGraph: %v", err)
	}
	if !sameSet(g.ProcessIDs, []string{a.ID, b, child.ID, inserted.ID}) {
		t.Errorf("graph processes = %v", g.ProcessIDs)
	}
	parent, err := c.GetProcess(ctx, a.ID, f.executorKey)
	if err != nil || !slices.Equal(parent.Children, []string{inserted.ID}) {
		t.Errorf("the parent's children = %v, %v; want [%s]", parent.Children, err, inserted.ID)
	}
}

// RemoveAllProcesses removes a colony's processes that are not part of a
// workflow; RemoveAllProcessGraphs removes the workflows.
func TestProtocolRemoveAllProcesses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	kept := f.submit(t, "kept")
	gone := f.submit(t, "gone")
	if err := c.CancelProcess(ctx, gone.ID, f.executorKey); err != nil {
		t.Fatalf("CancelProcess: %v", err)
	}
	graph, err := c.SubmitWorkflowSpec(ctx, f.chain(t, "w1", "w2"), f.executorKey)
	if err != nil {
		t.Fatalf("SubmitWorkflowSpec: %v", err)
	}

	// Only the cancelled one.
	if err := c.RemoveAllProcesses(ctx, f.colony, ProcessCancelled, f.colonyKey); err != nil {
		t.Fatalf("RemoveAllProcesses(cancelled): %v", err)
	}
	_, err = c.GetProcess(ctx, gone.ID, f.executorKey)
	wantKind(t, "GetProcess of a removed process", err, ErrNotFound)
	if !sameSet(f.processIDs(t, ProcessWaiting), append([]string{kept.ID}, graph.ProcessIDs...)) {
		t.Errorf("waiting after RemoveAllProcesses(cancelled) = %v", f.processIDs(t, ProcessWaiting))
	}

	// Every state, but not the workflow's.
	err = c.RemoveAllProcesses(ctx, f.colony, ProcessAll, f.executorKey)
	wantServerError(t, "RemoveAllProcesses by an executor", err, ErrForbidden, 403, "Access denied, not colony owner")
	if err := c.RemoveAllProcesses(ctx, f.colony, ProcessAll, f.colonyKey); err != nil {
		t.Fatalf("RemoveAllProcesses: %v", err)
	}
	if !sameSet(f.processIDs(t, ProcessWaiting), graph.ProcessIDs) {
		t.Errorf("waiting after RemoveAllProcesses = %v, want the workflow's %v", f.processIDs(t, ProcessWaiting), graph.ProcessIDs)
	}

	if err := c.RemoveAllProcessGraphs(ctx, f.colony, ProcessAll, f.colonyKey); err != nil {
		t.Fatalf("RemoveAllProcessGraphs: %v", err)
	}
	ps, err := c.GetProcesses(ctx, f.colony, 10, ProcessWaiting, "", "", "", f.executorKey)
	wantEmpty(t, "GetProcesses after removing everything", ps, err)
	gs, err := c.GetProcessGraphs(ctx, f.colony, 10, ProcessWaiting, f.executorKey)
	wantEmpty(t, "GetProcessGraphs after RemoveAllProcessGraphs", gs, err)
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

package colonies

import (
	"context"
	"reflect"
	"testing"
	"time"
)

func TestProtocolExecutors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, ctx := f.c, f.ctx

	key := mustPrvKey(t)
	want := Executor{ID: mustID(t, key), Type: f.executorType, Name: f.executor + "-2", ColonyName: f.colony}
	added, err := c.AddExecutor(ctx, want, f.colonyKey)
	if err != nil || added == nil {
		t.Fatalf("AddExecutor = %+v, %v", added, err)
	}
	if added.ID != want.ID || added.Type != want.Type || added.Name != want.Name || added.ColonyName != f.colony ||
		added.State != ExecutorPending {
		t.Errorf("AddExecutor = %+v, want %+v pending", added, want)
	}
	wantRecent(t, "AddExecutor commission time", added.CommissionTime)

	all, err := c.GetExecutors(ctx, f.colony, f.executorKey)
	if err != nil || len(all) != 2 {
		t.Fatalf("GetExecutors = %+v, %v; want two", all, err)
	}
	names := map[string]int{}
	for _, e := range all {
		names[e.Name] = e.State
	}
	if !reflect.DeepEqual(names, map[string]int{f.executor: ExecutorApproved, want.Name: ExecutorPending}) {
		t.Errorf("GetExecutors states by name = %v", names)
	}
	_, err = c.GetExecutors(ctx, f.colony, f.colonyKey)
	wantServerError(t, "GetExecutors by the colony owner", err, ErrForbidden, 403, notMember(f.colony))

	if err := c.ApproveExecutor(ctx, f.colony, want.Name, f.colonyKey); err != nil {
		t.Fatalf("ApproveExecutor: %v", err)
	}
	byName, err := c.GetExecutor(ctx, f.colony, want.Name, f.executorKey)
	if err != nil || byName == nil || byName.ID != want.ID || byName.State != ExecutorApproved {
		t.Errorf("GetExecutor after approval = %+v, %v", byName, err)
	}

	caps := Capabilities{
		Hardware: []Hardware{{
			Model: "m1", Nodes: 2, CPU: "4000m", Cores: 4, Memory: "16Gi", Storage: "1Ti",
			GPU:      GPU{Name: "a100", Memory: "40Gi", Count: 2, NodeCount: 1},
			Platform: "linux", Architecture: "amd64", Network: []string{"eth0", "ib0"},
		}},
		Software: []Software{{Name: "python", Type: "runtime", Version: "3.12"}},
	}
	if err := c.UpdateExecutor(ctx, f.colony, want.Name, caps, key); err != nil {
		t.Fatalf("UpdateExecutor: %v", err)
	}
	allocs := Allocations{Projects: map[string]Project{
		"alpha": {AllocatedCPU: 1000, UsedCPU: 500, AllocatedGPU: 2, UsedGPU: 1, AllocatedStorage: 1 << 40, UsedStorage: 1<<40 - 1},
	}}
	if err := c.ReportAllocation(ctx, f.colony, want.Name, allocs, key); err != nil {
		t.Fatalf("ReportAllocation: %v", err)
	}
	byID, err := c.GetExecutorByID(ctx, f.colony, want.ID, f.executorKey)
	if err != nil || byID == nil {
		t.Fatalf("GetExecutorByID = %+v, %v", byID, err)
	}
	if byID.Name != want.Name || byID.ColonyName != f.colony || !byID.CommissionTime.Equal(added.CommissionTime) {
		t.Errorf("GetExecutorByID = %+v, want %s added at %v", byID, want.Name, added.CommissionTime)
	}
	if !reflect.DeepEqual(byID.Capabilities, caps) {
		t.Errorf("capabilities after UpdateExecutor = %+v, want %+v", byID.Capabilities, caps)
	}
	if !reflect.DeepEqual(byID.Allocations, allocs) {
		t.Errorf("allocations after ReportAllocation = %+v, want %+v", byID.Allocations, allocs)
	}

	if err := c.RejectExecutor(ctx, f.colony, want.Name, f.colonyKey); err != nil {
		t.Fatalf("RejectExecutor: %v", err)
	}
	if e, err := c.GetExecutor(ctx, f.colony, want.Name, f.executorKey); err != nil || e.State != ExecutorRejected {
		t.Errorf("GetExecutor after rejection = %+v, %v", e, err)
	}
	if err := c.RemoveExecutor(ctx, f.colony, want.Name, f.colonyKey); err != nil {
		t.Fatalf("RemoveExecutor: %v", err)
	}
	if e, err := c.GetExecutorByID(ctx, f.colony, want.ID, f.executorKey); err != nil || e.State != ExecutorUnregistered {
		t.Errorf("GetExecutorByID after removal = %+v, %v", e, err)
	}

	_, err = c.GetExecutor(ctx, f.colony, "nobody", f.executorKey)
	wantServerError(t, "GetExecutor of an unknown name", err, ErrNotFound, 500, "Failed to get executor, executor is nil")
	_, err = c.GetExecutorByID(ctx, f.colony, mustID(t, mustPrvKey(t)), f.executorKey)
	wantServerError(t, "GetExecutorByID of an unknown id", err, ErrNotFound, 404, "Failed to get executor by ID, executor is nil")
	err = c.ApproveExecutor(ctx, f.colony, "nobody", f.colonyKey)
	wantKind(t, "ApproveExecutor of an unknown name", err, ErrNotFound)
}

// testChangeExecutorID gives the fixture's executor another key, and back.
// It runs on the private server (see TestProtocolChangeIDs).
func testChangeExecutorID(t *testing.T) {
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	oldID := mustID(t, f.executorKey)
	newKey := mustPrvKey(t)
	newID := mustID(t, newKey)

	if err := c.ChangeExecutorID(ctx, f.colony, newID, f.executorKey); err != nil {
		t.Fatalf("ChangeExecutorID: %v", err)
	}
	restored := false
	t.Cleanup(func() {
		if !restored {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := c.ChangeExecutorID(ctx, f.colony, oldID, newKey); err != nil {
				t.Errorf("restoring the executor id: %v", err)
			}
		}
	})
	_, err := c.GetColony(ctx, f.colony, f.executorKey)
	wantServerError(t, "GetColony with the executor's old key", err, ErrForbidden, 403, notMember(f.colony))
	e, err := c.GetExecutor(ctx, f.colony, f.executor, newKey)
	if err != nil || e == nil || e.ID != newID || e.State != ExecutorApproved {
		t.Errorf("GetExecutor with the new key = %+v, %v; want id %s", e, err, newID)
	}
	if e, err := c.GetExecutorByID(ctx, f.colony, newID, newKey); err != nil || e.Name != f.executor {
		t.Errorf("GetExecutorByID(new id) = %+v, %v", e, err)
	}

	if err := c.ChangeExecutorID(ctx, f.colony, oldID, newKey); err != nil {
		t.Fatalf("ChangeExecutorID back: %v", err)
	}
	restored = true
	e, err = c.GetExecutor(ctx, f.colony, f.executor, f.executorKey)
	if err != nil || e == nil || e.ID != oldID {
		t.Errorf("GetExecutor with the restored key = %+v, %v; want id %s", e, err, oldID)
	}
	_, err = c.GetColony(ctx, f.colony, newKey)
	wantServerError(t, "GetColony with the key changed back from", err, ErrForbidden, 403, notMember(f.colony))
}

// PauseAssignments pauses the assignments of a colony of its own.
func TestProtocolPauseAssignments(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	p := f.submit(t, "paused")

	want := PauseStatus{MsgType: "pausestatusreplymsg", ColonyName: f.colony, IsPaused: false}
	status, err := c.GetPauseStatus(ctx, f.colony, f.executorKey)
	if err != nil || status == nil || *status != want {
		t.Errorf("GetPauseStatus = %+v, %v; want %+v", status, err, want)
	}
	// Only the owner may pause, yet the server answers only members.
	_, err = c.GetPauseStatus(ctx, f.colony, f.colonyKey)
	wantServerError(t, "GetPauseStatus by the colony owner", err, ErrForbidden, 403, notMember(f.colony))

	if err := c.PauseAssignments(ctx, f.colony, f.colonyKey); err != nil {
		t.Fatalf("PauseAssignments: %v", err)
	}
	resumed := false
	t.Cleanup(func() {
		// The pause outlives the colony on the server: always lift it.
		if !resumed {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := c.ResumeAssignments(ctx, f.colony, f.colonyKey); err != nil {
				t.Errorf("ResumeAssignments: %v", err)
			}
		}
	})
	want.IsPaused = true
	if status, err := c.GetPauseStatus(ctx, f.colony, f.executorKey); err != nil || status == nil || *status != want {
		t.Errorf("GetPauseStatus while paused = %+v, %v; want %+v", status, err, want)
	}
	_, err = c.AssignProcess(ctx, f.colony, 1, "", "", f.executorKey)
	wantServerError(t, "AssignProcess while paused", err, ErrExpired, 408, "Assignment timeout: colony assignments are paused")
	err = c.PauseAssignments(ctx, f.colony, f.executorKey)
	wantServerError(t, "PauseAssignments by an executor", err, ErrForbidden, 403, "Access denied, not colony owner")

	if err := c.ResumeAssignments(ctx, f.colony, f.colonyKey); err != nil {
		t.Fatalf("ResumeAssignments: %v", err)
	}
	resumed = true
	want.IsPaused = false
	if status, err := c.GetPauseStatus(ctx, f.colony, f.executorKey); err != nil || status == nil || *status != want {
		t.Errorf("GetPauseStatus after resuming = %+v, %v; want %+v", status, err, want)
	}
	if got := f.assign(t); got.ID != p.ID {
		t.Errorf("AssignProcess after resuming = %s, want %s", got.ID, p.ID)
	}
}

package colonies

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestProtocolGenerators(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	executorID := mustID(t, f.executorKey)

	gens, err := c.GetGenerators(ctx, f.colony, 10, f.executorKey)
	wantEmpty(t, "GetGenerators of a new colony", gens, err)

	wfJSON, err := json.Marshal(f.chain(t, "batch"))
	if err != nil {
		t.Fatal(err)
	}
	want := Generator{ColonyName: f.colony, Name: "batcher", WorkflowSpec: string(wfJSON), Trigger: 3, Timeout: 3600}
	gen, err := c.AddGenerator(ctx, want, f.executorKey)
	if err != nil || gen == nil {
		t.Fatalf("AddGenerator = %+v, %v", gen, err)
	}
	if gen.ID == "" || gen.InitiatorID != executorID || gen.InitiatorName != f.executor || gen.ColonyName != f.colony ||
		gen.Name != want.Name || gen.WorkflowSpec != want.WorkflowSpec || gen.Trigger != 3 || gen.Timeout != 3600 {
		t.Errorf("AddGenerator = %+v", gen)
	}

	if err := c.PackGenerator(ctx, gen.ID, "arg1", f.executorKey); err != nil {
		t.Fatalf("PackGenerator: %v", err)
	}
	got, err := c.GetGenerator(ctx, gen.ID, f.executorKey)
	if err != nil || got == nil || got.ID != gen.ID || got.QueueSize != 1 || got.CheckerPeriod <= 0 || !got.LastRun.IsZero() {
		t.Fatalf("GetGenerator after one pack = %+v, %v", got, err)
	}
	wantRecent(t, "first pack", got.FirstPack)
	resolved, err := c.ResolveGenerator(ctx, f.colony, want.Name, f.executorKey)
	if err != nil || resolved == nil || resolved.ID != gen.ID || resolved.Trigger != 3 || !resolved.FirstPack.Equal(got.FirstPack) {
		t.Errorf("ResolveGenerator = %+v, %v", resolved, err)
	}
	gens, err = c.GetGenerators(ctx, f.colony, 10, f.executorKey)
	if err != nil || len(gens) != 1 || gens[0].ID != gen.ID {
		t.Errorf("GetGenerators = %+v, %v", gens, err)
	}

	// The third argument triggers a run with the packed arguments.
	for _, arg := range []string{"arg2", "arg3"} {
		if err := c.PackGenerator(ctx, gen.ID, arg, f.executorKey); err != nil {
			t.Fatalf("PackGenerator(%s): %v", arg, err)
		}
	}
	var ps []Process
	for deadline := time.Now().Add(15 * time.Second); len(ps) == 0 && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		if ps, err = c.GetProcesses(ctx, f.colony, 10, ProcessWaiting, "", "", "", f.executorKey); err != nil {
			t.Fatalf("GetProcesses: %v", err)
		}
	}
	if len(ps) != 1 || ps[0].FunctionSpec.FuncName != "batch" || ps[0].ProcessGraphID == "" ||
		!reflect.DeepEqual(ps[0].FunctionSpec.Args, []any{"arg1", "arg2", "arg3"}) {
		t.Fatalf("the generator's run = %+v, want one batch process with the packed arguments", ps)
	}
	// The server makes the run's processes first, then removes the packed
	// arguments, then records the run: read it until the run is recorded.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		got, err = c.GetGenerator(ctx, gen.ID, f.executorKey)
		if err != nil || !got.LastRun.IsZero() || !time.Now().Before(deadline) {
			break
		}
	}
	if err != nil || got.QueueSize != 0 {
		t.Errorf("GetGenerator after its run = %+v, %v", got, err)
	} else {
		wantRecent(t, "the generator's last run", got.LastRun)
	}

	if err := c.RemoveGenerator(ctx, gen.ID, false, f.executorKey); err != nil {
		t.Fatalf("RemoveGenerator: %v", err)
	}
	gens, err = c.GetGenerators(ctx, f.colony, 10, f.executorKey)
	wantEmpty(t, "GetGenerators after RemoveGenerator", gens, err)
	_, err = c.GetGenerator(ctx, gen.ID, f.executorKey)
	wantServerError(t, "GetGenerator of a removed generator", err, ErrNotFound, 500, "Failed to get generator, generator is nil")
	_, err = c.ResolveGenerator(ctx, f.colony, want.Name, f.executorKey)
	wantServerError(t, "ResolveGenerator of a removed generator", err, ErrNotFound, 500, "Failed to resolve generator, generator is nil")
	err = c.PackGenerator(ctx, gen.ID, "late", f.executorKey)
	wantServerError(t, "PackGenerator of a removed generator", err, ErrNotFound, 500, "Failed to increment generator, generator is nil")
}

// The server divides by the trigger, so the core refuses 0 before sending.
func TestProtocolGeneratorTriggerZero(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	wfJSON, err := json.Marshal(f.chain(t, "never"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.c.AddGenerator(f.ctx, Generator{ColonyName: f.colony, Name: "zero", WorkflowSpec: string(wfJSON), Trigger: 0, Timeout: 60}, f.executorKey)
	e := wantKind(t, "AddGenerator with trigger 0", err, ErrInvalidArgument)
	if e.HTTPStatus != 0 {
		t.Errorf("AddGenerator with trigger 0 was sent: HTTP %d", e.HTTPStatus)
	}
	gens, err := f.c.GetGenerators(f.ctx, f.colony, 10, f.executorKey)
	wantEmpty(t, "GetGenerators after the refused AddGenerator", gens, err)
}

package colonies

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestProtocolCrons(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	executorID := mustID(t, f.executorKey)

	crons, err := c.GetCrons(ctx, f.colony, 10, f.executorKey)
	wantEmpty(t, "GetCrons of a new colony", crons, err)

	wf := f.chain(t, "tick", "tock")
	wfJSON, err := json.Marshal(wf)
	if err != nil {
		t.Fatal(err)
	}
	want := Cron{ColonyName: f.colony, Name: "hourly", Interval: 3600, WaitForPrevProcessGraph: true, WorkflowSpec: string(wfJSON)}
	cron, err := c.AddCron(ctx, want, f.executorKey)
	if err != nil || cron == nil {
		t.Fatalf("AddCron = %+v, %v", cron, err)
	}
	if cron.ID == "" || cron.InitiatorID != executorID || cron.InitiatorName != f.executor || cron.ColonyName != f.colony ||
		cron.Name != want.Name || cron.Interval != 3600 || !cron.WaitForPrevProcessGraph || cron.CronExpression != "" {
		t.Errorf("AddCron = %+v", cron)
	}
	var back WorkflowSpec
	if err := json.Unmarshal([]byte(cron.WorkflowSpec), &back); err != nil || len(back.FunctionSpecs) != 2 ||
		back.FunctionSpecs[1].NodeName != "tock" || !reflect.DeepEqual(back.FunctionSpecs[1].Conditions.Dependencies, []string{"tick"}) {
		t.Errorf("the cron's workflow = %s (%v), want %s", cron.WorkflowSpec, err, wfJSON)
	}

	got, err := c.GetCron(ctx, cron.ID, f.executorKey)
	if err != nil || got == nil || got.ID != cron.ID || got.Name != want.Name || got.WorkflowSpec != cron.WorkflowSpec {
		t.Fatalf("GetCron = %+v, %v", got, err)
	}
	if got.CheckerPeriod <= 0 || !got.LastRun.IsZero() || got.PrevProcessGraphID != "" {
		t.Errorf("GetCron of a cron that never ran = %+v", got)
	}
	crons, err = c.GetCrons(ctx, f.colony, 10, f.executorKey)
	if err != nil || len(crons) != 1 || crons[0].ID != cron.ID {
		t.Errorf("GetCrons = %+v, %v", crons, err)
	}

	ran, err := c.RunCron(ctx, cron.ID, f.executorKey)
	if err != nil || ran == nil || ran.ID != cron.ID || ran.Name != want.Name {
		t.Fatalf("RunCron = %+v, %v", ran, err)
	}
	// The run submits the workflow and records it.
	deadline := time.Now().Add(10 * time.Second)
	for got.PrevProcessGraphID == "" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		if got, err = c.GetCron(ctx, cron.ID, f.executorKey); err != nil {
			t.Fatalf("GetCron: %v", err)
		}
	}
	wantRecent(t, "the cron's last run", got.LastRun)
	if got.NextRun.Sub(got.LastRun).Round(time.Second) != time.Hour {
		t.Errorf("next run %v is not an hour after the last %v", got.NextRun, got.LastRun)
	}
	g, err := c.GetProcessGraph(ctx, got.PrevProcessGraphID, f.executorKey)
	if err != nil || g.ColonyName != f.colony || len(g.ProcessIDs) != 2 {
		t.Errorf("the cron's workflow %q = %+v, %v", got.PrevProcessGraphID, g, err)
	}

	// A cron on a cron expression.
	expr := Cron{ColonyName: f.colony, Name: "new-year", Interval: -1, CronExpression: "0 0 0 1 1 *", WorkflowSpec: string(wfJSON)}
	yearly, err := c.AddCron(ctx, expr, f.executorKey)
	if err != nil || yearly.CronExpression != expr.CronExpression || yearly.Interval != -1 || yearly.WaitForPrevProcessGraph {
		t.Errorf("AddCron with an expression = %+v, %v", yearly, err)
	}
	crons, err = c.GetCrons(ctx, f.colony, 1, f.executorKey)
	if err != nil || len(crons) != 1 {
		t.Errorf("GetCrons with count 1 = %d crons, %v", len(crons), err)
	}

	for _, id := range []string{cron.ID, yearly.ID} {
		if err := c.RemoveCron(ctx, id, false, f.executorKey); err != nil {
			t.Fatalf("RemoveCron: %v", err)
		}
	}
	crons, err = c.GetCrons(ctx, f.colony, 10, f.executorKey)
	wantEmpty(t, "GetCrons after removing them", crons, err)
	_, err = c.GetCron(ctx, cron.ID, f.executorKey)
	wantServerError(t, "GetCron of a removed cron", err, ErrNotFound, 500, "Failed to get cron, cron is nil")
	_, err = c.RunCron(ctx, cron.ID, f.executorKey)
	wantServerError(t, "RunCron of a removed cron", err, ErrNotFound, 400, "cron not found")
	err = c.RemoveCron(ctx, cron.ID, false, f.executorKey)
	wantServerError(t, "RemoveCron twice", err, ErrNotFound, 500, "Failed to remove cron, cron is nil")
}

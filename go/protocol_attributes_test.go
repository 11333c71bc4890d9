package colonies

import (
	"testing"
)

func TestProtocolAttributes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	graph, err := c.SubmitWorkflowSpec(ctx, f.chain(t, "a"), f.executorKey)
	if err != nil {
		t.Fatalf("SubmitWorkflowSpec: %v", err)
	}
	p := f.assign(t)

	want := Attribute{TargetID: p.ID, TargetColonyName: f.colony, AttributeType: AttributeOut, Key: "result", Value: "42 ✓"}
	a, err := c.AddAttribute(ctx, want, f.executorKey)
	if err != nil || a == nil {
		t.Fatalf("AddAttribute = %+v, %v", a, err)
	}
	if a.ID == "" {
		t.Errorf("AddAttribute gave no id: %+v", a)
	}
	// The server sets the id, and the graph of the target process.
	want.ID = a.ID
	want.TargetProcessGraphID = graph.ID
	if *a != want {
		t.Errorf("AddAttribute = %+v, want %+v", *a, want)
	}
	got, err := c.GetAttribute(ctx, a.ID, f.executorKey)
	if err != nil || got == nil || *got != want {
		t.Errorf("GetAttribute = %+v, %v; want %+v", got, err, want)
	}
	proc, err := c.GetProcess(ctx, p.ID, f.executorKey)
	if err != nil || len(proc.Attributes) != 1 || proc.Attributes[0] != want {
		t.Errorf("the process's attributes = %+v, %v; want [%+v]", proc.Attributes, err, want)
	}

	_, err = c.AddAttribute(ctx, Attribute{TargetID: p.ID, TargetColonyName: f.colony, AttributeType: AttributeErr, Key: "k"}, f.colonyKey)
	wantServerError(t, "AddAttribute by the colony owner", err, ErrForbidden, 403, notMember(f.colony))
	_, err = c.GetAttribute(ctx, randomHex(t, 32), f.executorKey)
	wantServerError(t, "GetAttribute of an unknown id", err, ErrNotFound, 400, "Attribute does not exists")
}

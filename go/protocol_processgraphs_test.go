package colonies

import (
	"slices"
	"testing"
)

func TestProtocolProcessGraphs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	executorID := mustID(t, f.executorKey)

	gs, err := c.GetProcessGraphs(ctx, f.colony, 10, ProcessWaiting, f.executorKey)
	wantEmpty(t, "GetProcessGraphs of a new colony", gs, err)

	graph, err := c.SubmitWorkflowSpec(ctx, f.chain(t, "a", "b"), f.executorKey)
	if err != nil {
		t.Fatalf("SubmitWorkflowSpec: %v", err)
	}
	if graph.ID == "" || graph.ColonyName != f.colony || graph.InitiatorID != executorID || graph.InitiatorName != f.executor ||
		graph.State != ProcessWaiting || len(graph.Roots) != 1 || len(graph.ProcessIDs) != 2 || graph.ProcessIDs[0] != graph.Roots[0] {
		t.Fatalf("SubmitWorkflowSpec = %+v", graph)
	}
	a, b := graph.ProcessIDs[0], graph.ProcessIDs[1]

	g, err := c.GetProcessGraph(ctx, graph.ID, f.executorKey)
	if err != nil {
		t.Fatalf("GetProcessGraph: %v", err)
	}
	if g.ID != graph.ID || g.State != ProcessWaiting || !slices.Equal(g.ProcessIDs, graph.ProcessIDs) {
		t.Errorf("GetProcessGraph = %+v", g)
	}
	wantRecent(t, "graph submission time", g.SubmissionTime)
	labels := map[string]string{}
	for _, n := range g.Nodes {
		labels[n.ID] = n.Data.Label
		if n.Type == "" || n.Style.Background == "" {
			t.Errorf("graph node %+v has no type or colour", n)
		}
	}
	if labels[a] != "a" || labels[b] != "b" || len(labels) != 2 {
		t.Errorf("graph node labels = %v, want %s:a %s:b", labels, a, b)
	}
	if len(g.Edges) != 1 || g.Edges[0].Source != a || g.Edges[0].Target != b || g.Edges[0].ID == "" {
		t.Errorf("graph edges = %+v, want one from %s to %s", g.Edges, a, b)
	}
	if y0, y1 := nodeY(g, a), nodeY(g, b); y1 <= y0 {
		t.Errorf("node b is drawn at y %d, not below a at %d", y1, y0)
	}

	waiting, err := c.GetProcessGraphs(ctx, f.colony, 10, ProcessWaiting, f.executorKey)
	if err != nil || len(waiting) != 1 || waiting[0].ID != graph.ID || !slices.Equal(waiting[0].Roots, []string{a}) {
		t.Errorf("GetProcessGraphs waiting = %+v, %v", waiting, err)
	}
	running, err := c.GetProcessGraphs(ctx, f.colony, 10, ProcessRunning, f.executorKey)
	wantEmpty(t, "GetProcessGraphs running", running, err)

	f.assign(t)
	g, err = c.GetProcessGraph(ctx, graph.ID, f.executorKey)
	if err != nil || g.State != ProcessRunning {
		t.Fatalf("GetProcessGraph after assigning a = %+v, %v", g, err)
	}
	wantRecent(t, "graph start time", g.StartTime)
	running, err = c.GetProcessGraphs(ctx, f.colony, 10, ProcessRunning, f.executorKey)
	if err != nil || len(running) != 1 || running[0].ID != graph.ID {
		t.Errorf("GetProcessGraphs running = %+v, %v", running, err)
	}

	if err := c.CancelProcessGraph(ctx, graph.ID, f.executorKey); err != nil {
		t.Fatalf("CancelProcessGraph: %v", err)
	}
	g, err = c.GetProcessGraph(ctx, graph.ID, f.executorKey)
	if err != nil || g.State != ProcessCancelled {
		t.Fatalf("GetProcessGraph after cancelling = %+v, %v", g, err)
	}
	wantRecent(t, "graph end time", g.EndTime)
	if p, err := c.GetProcess(ctx, b, f.executorKey); err != nil || p.State != ProcessCancelled {
		t.Errorf("process b after cancelling its graph = %+v, %v", p, err)
	}

	if err := c.RemoveProcessGraph(ctx, graph.ID, false, f.executorKey); err != nil {
		t.Fatalf("RemoveProcessGraph: %v", err)
	}
	_, err = c.GetProcessGraph(ctx, graph.ID, f.executorKey)
	wantServerError(t, "GetProcessGraph of a removed graph", err, ErrNotFound, 500, "Failed to get processgraph, graph is nil")
	_, err = c.GetProcess(ctx, a, f.executorKey)
	wantKind(t, "GetProcess of a removed graph's process", err, ErrNotFound)
	err = c.RemoveProcessGraph(ctx, graph.ID, false, f.executorKey)
	wantServerError(t, "RemoveProcessGraph twice", err, ErrNotFound, 500, "Failed to remove processgraph, graph is nil")

	// RemoveAllProcessGraphs with a state removes only the graphs in it.
	waitingGraph, err := c.SubmitWorkflowSpec(ctx, f.chain(t, "x"), f.executorKey)
	if err != nil {
		t.Fatalf("SubmitWorkflowSpec: %v", err)
	}
	err = c.RemoveAllProcessGraphs(ctx, f.colony, ProcessRunning, f.colonyKey)
	wantServerError(t, "RemoveAllProcessGraphs(running)", err, ErrServer, 400, "not possible to remove running processgraphs")
	if err := c.RemoveAllProcessGraphs(ctx, f.colony, ProcessSuccessful, f.colonyKey); err != nil {
		t.Fatalf("RemoveAllProcessGraphs(successful): %v", err)
	}
	if g, err := c.GetProcessGraph(ctx, waitingGraph.ID, f.executorKey); err != nil || g.State != ProcessWaiting {
		t.Errorf("a waiting graph after RemoveAllProcessGraphs(successful) = %+v, %v", g, err)
	}
	if err := c.RemoveAllProcessGraphs(ctx, f.colony, ProcessWaiting, f.colonyKey); err != nil {
		t.Fatalf("RemoveAllProcessGraphs(waiting): %v", err)
	}
	gs, err = c.GetProcessGraphs(ctx, f.colony, 10, ProcessWaiting, f.executorKey)
	wantEmpty(t, "GetProcessGraphs after RemoveAllProcessGraphs(waiting)", gs, err)
}

func nodeY(g *ProcessGraph, id string) int {
	for _, n := range g.Nodes {
		if n.ID == id {
			return n.Position.Y
		}
	}
	return -1
}

package colonies

import (
	"strings"
	"testing"
)

func TestWorkflowBuilder(t *testing.T) {
	wf, err := NewWorkflow("lab")
	if err != nil {
		t.Fatalf("NewWorkflow: %v", err)
	}
	gen, _ := NewFuncSpec(FuncSpecOptions{FuncName: "gen_nums", ColonyID: "lab", ExecutorType: "t"})
	sum, _ := NewFuncSpec(FuncSpecOptions{FuncName: "sum_nums", ColonyName: "elsewhere", ExecutorType: "t"})
	if err := wf.Add(gen, ""); err != nil {
		t.Fatalf("Add(gen): %v", err)
	}
	if err := wf.Add(sum, "sum", "gen_nums"); err != nil {
		t.Fatalf("Add(sum): %v", err)
	}
	if len(wf.FunctionSpecs) != 2 || wf.FunctionSpecs[1].NodeName != "sum" ||
		wf.FunctionSpecs[1].Conditions.ColonyName != "lab" ||
		strings.Join(wf.FunctionSpecs[1].Conditions.Dependencies, ",") != "gen_nums" {
		t.Fatalf("workflow %+v", wf)
	}
	if err := wf.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	e := wantKind(t, "a node name used twice", wf.Add(gen, ""), ErrInvalidArgument)
	if e != nil && !strings.Contains(e.Message, `node name "gen_nums" is used already`) {
		t.Errorf("message %q", e.Message)
	}
	back, _ := NewFuncSpec(FuncSpecOptions{FuncName: "back", ColonyName: "lab", ExecutorType: "t"})
	wf.Add(back, "", "sum")
	wf.FunctionSpecs[0].Conditions.Dependencies = []string{"back"}
	e = wantKind(t, "a cycle", wf.Check(), ErrInvalidArgument)
	if e != nil && !strings.Contains(e.Message, `cycle: "gen_nums" -> "back" -> "sum" -> "gen_nums"`) {
		t.Errorf("message %q", e.Message)
	}
}

// The seed's workflow, sum_nums(gen_nums()) = 3, and its MapReduce, 15.
func TestWorkflowRuns(t *testing.T) {
	f := newFixture(t)
	wf, _ := NewWorkflow(f.colony)
	wf.Add(f.spec(t, FuncSpecOptions{FuncName: "gen_nums"}), "")
	wf.Add(f.spec(t, FuncSpecOptions{FuncName: "sum_nums"}), "", "gen_nums")
	graph, err := f.c.SubmitWorkflowSpec(f.ctx, *wf, f.executorKey)
	if err != nil {
		t.Fatalf("SubmitWorkflowSpec: %v", err)
	}
	gen := f.assign(t)
	f.c.CloseSuccessful(f.ctx, gen.ID, []any{1, 2}, f.executorKey)
	sum := f.assign(t)
	if sum.FunctionSpec.FuncName != "sum_nums" || len(sum.Input) != 2 || sum.Input[0].(float64)+sum.Input[1].(float64) != 3 {
		t.Fatalf("sum_nums got %v", sum.Input)
	}
	found, err := f.c.FindProcess(f.ctx, graph.ID, "sum_nums", f.executorKey)
	if err != nil || found.ID != sum.ID {
		t.Fatalf("FindProcess = %+v, %v; want %s", found, err, sum.ID)
	}
	_, err = f.c.FindProcess(f.ctx, graph.ID, "nope", f.executorKey)
	if e := wantKind(t, "a node the graph lacks", err, ErrNotFound); e != nil && !strings.Contains(e.Message, `"gen_nums", "sum_nums"`) {
		t.Errorf("message %q", e.Message)
	}

	wf, _ = NewWorkflow(f.colony)
	wf.Add(f.spec(t, FuncSpecOptions{FuncName: "map"}), "")
	wf.Add(f.spec(t, FuncSpecOptions{FuncName: "reduce"}), "", "map")
	graph, err = f.c.SubmitWorkflowSpec(f.ctx, *wf, f.executorKey)
	if err != nil {
		t.Fatalf("SubmitWorkflowSpec: %v", err)
	}
	mapper := f.assign(t)
	reducer, err := f.c.FindProcess(f.ctx, graph.ID, "reduce", f.executorKey)
	if err != nil {
		t.Fatalf("FindProcess(reduce): %v", err)
	}
	for i := 0; i < 5; i++ {
		spec := f.spec(t, FuncSpecOptions{FuncName: "gen_nums", NodeName: "gen_nums_" + string(rune('0'+i))})
		if _, err := f.c.AddChild(f.ctx, graph.ID, mapper.ID, reducer.ID, spec, i == 0, f.executorKey); err != nil {
			t.Fatalf("AddChild %d: %v", i, err)
		}
	}
	f.c.CloseSuccessful(f.ctx, mapper.ID, nil, f.executorKey)
	for i := 0; i < 5; i++ {
		g := f.assign(t)
		f.c.CloseSuccessful(f.ctx, g.ID, []any{1, 2}, f.executorKey)
	}
	reduce := f.assign(t)
	total := 0.0
	for _, v := range reduce.Input {
		total += v.(float64)
	}
	if reduce.FunctionSpec.FuncName != "reduce" || total != 15 {
		t.Fatalf("reduce got %v", reduce.Input)
	}
}

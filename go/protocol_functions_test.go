package colonies

import (
	"reflect"
	"testing"
)

func TestProtocolFunctions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, ctx := f.c, f.ctx

	fns, err := c.GetFunctions(ctx, "", f.colony, f.executorKey)
	wantEmpty(t, "GetFunctions of a new colony", fns, err)

	want := Function{
		ExecutorName: f.executor, ExecutorType: f.executorType, ColonyName: f.colony, FuncName: "resize",
		Description: "resizes an image",
		Args: []FunctionArg{
			{Name: "image", Type: "string", Description: "the image", Required: true},
			{Name: "mode", Type: "string", Enum: []string{"fit", "fill"}},
		},
	}
	fn, err := c.AddFunction(ctx, want, f.executorKey)
	if err != nil || fn == nil {
		t.Fatalf("AddFunction = %+v, %v", fn, err)
	}
	if fn.FunctionID == "" {
		t.Errorf("AddFunction gave no function id: %+v", fn)
	}
	want.FunctionID = fn.FunctionID
	if !reflect.DeepEqual(*fn, want) {
		t.Errorf("AddFunction = %+v, want %+v", *fn, want)
	}
	for _, executor := range []string{f.executor, ""} {
		fns, err := c.GetFunctions(ctx, executor, f.colony, f.executorKey)
		if err != nil || len(fns) != 1 || !reflect.DeepEqual(fns[0], want) {
			t.Errorf("GetFunctions(%q) = %+v, %v; want [%+v]", executor, fns, err, want)
		}
	}

	// A run of the function updates its statistics.
	f.submit(t, "resize")
	p := f.assign(t)
	if err := c.CloseSuccessful(ctx, p.ID, nil, f.executorKey); err != nil {
		t.Fatalf("CloseSuccessful: %v", err)
	}
	fns, err = c.GetFunctions(ctx, f.executor, f.colony, f.executorKey)
	if err != nil || len(fns) != 1 {
		t.Fatalf("GetFunctions after a run = %+v, %v", fns, err)
	}
	if s := fns[0]; s.Counter != 1 || s.MinExecTime <= 0 || s.MaxExecTime != s.MinExecTime || s.AvgExecTime != s.MinExecTime ||
		s.MinWaitTime <= 0 || s.AvgWaitTime != s.MinWaitTime {
		t.Errorf("function statistics after one run = %+v", s)
	}

	if err := c.RemoveFunction(ctx, fn.FunctionID, f.executorKey); err != nil {
		t.Fatalf("RemoveFunction: %v", err)
	}
	fns, err = c.GetFunctions(ctx, f.executor, f.colony, f.executorKey)
	wantEmpty(t, "GetFunctions after RemoveFunction", fns, err)
	err = c.RemoveFunction(ctx, fn.FunctionID, f.executorKey)
	wantServerError(t, "RemoveFunction twice", err, ErrNotFound, 404, "Failed to remove function, function does not exist")
}

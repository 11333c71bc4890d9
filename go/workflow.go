package colonies

import (
	"context"

	"github.com/colonyos/libcolonies/go/internal/capi"
)

// NewWorkflow returns an empty workflow spec of the colony colonyName; Add
// grows it and SubmitWorkflowSpec runs it.
func NewWorkflow(colonyName string) (*WorkflowSpec, error) {
	var out string
	err := call(func() int { return capi.Colonies_workflow_new(&out, colonyName) }, colonyName)
	if out, err = output(out, err); err != nil {
		return nil, err
	}
	var wf WorkflowSpec
	return &wf, decode(out, &wf)
}

// Add adds spec to the workflow as node nodeName ("": the spec's own
// NodeName), waiting for the nodes deps names (none given: the spec's own
// Dependencies); the node's colony becomes the workflow's. A node name used
// already is refused with ErrInvalidArgument naming it. A dependency may
// name a node added later.
func (w *WorkflowSpec) Add(spec FunctionSpec, nodeName string, deps ...string) error {
	wfJSON, err := encode("workflow", w)
	if err != nil {
		return err
	}
	specJSON, err := encode("function spec", spec)
	if err != nil {
		return err
	}
	depsJSON := ""
	if len(deps) > 0 {
		if depsJSON, err = encode("dependencies", deps); err != nil {
			return err
		}
	}
	var out string
	err = call(func() int {
		return capi.Colonies_workflow_add(&out, wfJSON, specJSON, nodeName, depsJSON)
	}, wfJSON, specJSON, nodeName, depsJSON)
	if out, err = output(out, err); err != nil {
		return err
	}
	var grown WorkflowSpec
	if err := decode(out, &grown); err != nil {
		return err
	}
	*w = grown
	return nil
}

// Check returns nil when the workflow can run: node names used once,
// dependencies on nodes of the workflow, no cycle; else ErrInvalidArgument
// naming the nodes at fault. SubmitWorkflowSpec checks it too, before
// anything is sent.
func (w *WorkflowSpec) Check() error {
	wfJSON, err := encode("workflow", w)
	if err != nil {
		return err
	}
	return call(func() int { return capi.Colonies_workflow_check(wfJSON) }, wfJSON)
}

// FindProcess returns the process of node nodeName in the process graph
// processGraphID: two requests, the graph and then that process, whatever
// the graph's size. A graph without such a node gives ErrNotFound naming
// the nodes it has.
func (c *Client) FindProcess(ctx context.Context, processGraphID, nodeName, prvkey string) (*Process, error) {
	graph, err := c.GetProcessGraph(ctx, processGraphID, prvkey)
	if err != nil {
		return nil, err
	}
	graphJSON, err := encode("process graph", graph)
	if err != nil {
		return nil, err
	}
	var processID string
	err = call(func() int { return capi.Colonies_process_graph_node(&processID, graphJSON, nodeName) }, nodeName)
	if processID, err = output(processID, err); err != nil {
		return nil, err
	}
	return c.GetProcess(ctx, processID, prvkey)
}

// NewChain is the seed's monad chain in Go: a workflow of colonyName whose
// steps run one after the other, each getting the one before's output as
// its arguments. Step i (from 1) is node "<i>-<its node name>", so a
// function may come twice. RunWorkflow runs it to its end.
func NewChain(colonyName string, steps ...FunctionSpec) (*WorkflowSpec, error) {
	specsJSON, err := encode("steps", steps)
	if err != nil {
		return nil, err
	}
	var out string
	err = call(func() int { return capi.Colonies_workflow_chain(&out, colonyName, specsJSON) }, colonyName, specsJSON)
	if out, err = output(out, err); err != nil {
		return nil, err
	}
	var wf WorkflowSpec
	return &wf, decode(out, &wf)
}

// RunWorkflow submits wf and waits for the process of its last node to
// finish, whichever way, and returns it: for a chain, its Output is the
// result. ctx's deadline bounds the wait (without one, a day); when it
// passes first the error wraps ErrExpired.
func (c *Client) RunWorkflow(ctx context.Context, wf WorkflowSpec, prvkey string) (*Process, error) {
	wfJSON, err := encode("workflow", wf)
	if err != nil {
		return nil, err
	}
	timeoutMs, err := waitMs(ctx)
	if err != nil {
		return nil, err
	}
	callh, err := c.start(func(h uintptr, callh *uintptr) int {
		return capi.Colonies_client_run_workflow_start(h, callh, wfJSON, prvkey, timeoutMs)
	}, wfJSON, prvkey)
	if err != nil {
		return nil, err
	}
	out, err := c.finish(ctx, callh)
	if out, err = output(out, err); err != nil {
		return nil, err
	}
	var p Process
	return &p, decode(out, &p)
}

package colonies

import (
	"math"
	"time"

	"github.com/colonyos/libcolonies/go/internal/capi"
)

// AllStates stands for every process state in RemoveAllProcesses.
const AllStates ProcessState = -1

// ProcessFilter narrows ListProcesses. The server applies only the first
// field set, in the order ExecutorType, Initiator, Label.
type ProcessFilter struct {
	ExecutorType string
	Label        string
	Initiator    string // a user's name
}

// Submit submits a function spec (see NewFuncSpec) and returns the new,
// waiting process; prvkey is a member's.
func (c *Client) Submit(spec FunctionSpec, prvkey string) (*Process, error) {
	specJSON, err := encode("spec", spec)
	if err != nil {
		return nil, err
	}
	return fetch[*Process](c, func(h uintptr, out *string) int {
		return capi.Colonies_client_submit(h, out, specJSON, prvkey)
	}, specJSON, prvkey)
}

// Assign waits up to timeout (whole seconds, rounded up) for a process the
// calling executor can run, and assigns it; prvkey is the executor's. cpu
// and mem are the executor's free resources, e.g. "1000m" and "1Gi", or ""
// for no limit. It fails with ErrTimeout when no process came in time.
func (c *Client) Assign(colonyName string, timeout time.Duration, cpu, mem, prvkey string) (*Process, error) {
	seconds := wholeSeconds(timeout)
	return fetch[*Process](c, func(h uintptr, out *string) int {
		return capi.Colonies_client_assign(h, out, colonyName, seconds, cpu, mem, prvkey)
	}, colonyName, cpu, mem, prvkey)
}

// wholeSeconds rounds d up to whole seconds, saturating at the int32 range
// so that an out-of-range value stays out of range for the core to refuse.
func wholeSeconds(d time.Duration) int {
	s := int64(d / time.Second)
	if d%time.Second > 0 {
		s++
	}
	return int(max(math.MinInt32, min(s, math.MaxInt32)))
}

// CloseProcess closes a process as successful with output (nil for none);
// prvkey is the assigned executor's.
func (c *Client) CloseProcess(processID string, output []any, prvkey string) error {
	return c.arrayCall(capi.Colonies_client_close, processID, "output", output, prvkey)
}

// FailProcess closes a process as failed with errs (nil for none); prvkey is
// the assigned executor's.
func (c *Client) FailProcess(processID string, errs []string, prvkey string) error {
	return c.arrayCall(capi.Colonies_client_fail, processID, "errors", errs, prvkey)
}

// SetOutput sets the output of a running process; prvkey is the assigned
// executor's.
func (c *Client) SetOutput(processID string, output []any, prvkey string) error {
	return c.arrayCall(capi.Colonies_client_set_output, processID, "output", output, prvkey)
}

// arrayCall runs a call that takes a process id and a JSON array. A nil
// slice is sent as an empty array.
func (c *Client) arrayCall(f func(uintptr, string, string, string) int, processID, what string, array any, prvkey string) error {
	arrayJSON, err := encode(what, array)
	if err != nil {
		return err
	}
	if arrayJSON == "null" {
		arrayJSON = "[]"
	}
	return c.do(func(h uintptr) int { return f(h, processID, arrayJSON, prvkey) }, processID, arrayJSON, prvkey)
}

// GetProcess returns a process; prvkey is a member's.
func (c *Client) GetProcess(processID, prvkey string) (*Process, error) {
	return fetch[*Process](c, func(h uintptr, out *string) int {
		return capi.Colonies_client_get_process(h, out, processID, prvkey)
	}, processID, prvkey)
}

// ListProcesses returns up to count processes (the server allows at most
// 100) of a colony in a state; prvkey is a member's.
func (c *Client) ListProcesses(colonyName string, count int, state ProcessState, filter ProcessFilter, prvkey string) ([]Process, error) {
	return fetch[[]Process](c, func(h uintptr, out *string) int {
		return capi.Colonies_client_list_processes(h, out, colonyName, count, int(state),
			filter.ExecutorType, filter.Label, filter.Initiator, prvkey)
	}, colonyName, filter.ExecutorType, filter.Label, filter.Initiator, prvkey)
}

// RemoveProcess removes a process that is not running; prvkey is a member's.
func (c *Client) RemoveProcess(processID, prvkey string) error {
	return c.do(func(h uintptr) int {
		return capi.Colonies_client_remove_process(h, processID, prvkey)
	}, processID, prvkey)
}

// RemoveAllProcesses removes a colony's processes in a state, or in every
// state for AllStates (running ones cannot be removed); prvkey is the colony
// owner's.
func (c *Client) RemoveAllProcesses(colonyName string, state ProcessState, prvkey string) error {
	return c.do(func(h uintptr) int {
		return capi.Colonies_client_remove_all_processes(h, colonyName, int(state), prvkey)
	}, colonyName, prvkey)
}

// CancelProcess cancels a waiting or running process; prvkey is a member's.
func (c *Client) CancelProcess(processID, prvkey string) error {
	return c.do(func(h uintptr) int {
		return capi.Colonies_client_cancel_process(h, processID, prvkey)
	}, processID, prvkey)
}

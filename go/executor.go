package colonies

import "github.com/colonyos/libcolonies/go/internal/capi"

// AddExecutor registers an executor, pending approval; prvkey is the colony
// owner's. executor.ID is the id of the executor's own private key.
func (c *Client) AddExecutor(executor Executor, prvkey string) (*Executor, error) {
	executorJSON, err := encode("executor", executor)
	if err != nil {
		return nil, err
	}
	return fetch[*Executor](c, func(h uintptr, out *string) int {
		return capi.Colonies_client_add_executor(h, out, executorJSON, prvkey)
	}, executorJSON, prvkey)
}

// ApproveExecutor approves an executor; prvkey is the colony owner's.
func (c *Client) ApproveExecutor(colonyName, executorName, prvkey string) error {
	return c.do(func(h uintptr) int {
		return capi.Colonies_client_approve_executor(h, colonyName, executorName, prvkey)
	}, colonyName, executorName, prvkey)
}

// RejectExecutor rejects an executor; prvkey is the colony owner's.
func (c *Client) RejectExecutor(colonyName, executorName, prvkey string) error {
	return c.do(func(h uintptr) int {
		return capi.Colonies_client_reject_executor(h, colonyName, executorName, prvkey)
	}, colonyName, executorName, prvkey)
}

// RemoveExecutor removes an executor and its functions; prvkey is the
// colony owner's.
func (c *Client) RemoveExecutor(colonyName, executorName, prvkey string) error {
	return c.do(func(h uintptr) int {
		return capi.Colonies_client_remove_executor(h, colonyName, executorName, prvkey)
	}, colonyName, executorName, prvkey)
}

// GetExecutor returns an executor; prvkey is a member's.
func (c *Client) GetExecutor(colonyName, executorName, prvkey string) (*Executor, error) {
	return fetch[*Executor](c, func(h uintptr, out *string) int {
		return capi.Colonies_client_get_executor(h, out, colonyName, executorName, prvkey)
	}, colonyName, executorName, prvkey)
}

// ListExecutors returns a colony's executors; prvkey is a member's.
func (c *Client) ListExecutors(colonyName, prvkey string) ([]Executor, error) {
	return fetch[[]Executor](c, func(h uintptr, out *string) int {
		return capi.Colonies_client_list_executors(h, out, colonyName, prvkey)
	}, colonyName, prvkey)
}

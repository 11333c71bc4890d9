package colonies

import "github.com/colonyos/libcolonies/go/internal/capi"

// AddFunction registers a function the executor named in function offers;
// prvkey is that executor's.
func (c *Client) AddFunction(function Function, prvkey string) (*Function, error) {
	functionJSON, err := encode("function", function)
	if err != nil {
		return nil, err
	}
	return fetch[*Function](c, func(h uintptr, out *string) int {
		return capi.Colonies_client_add_function(h, out, functionJSON, prvkey)
	}, functionJSON, prvkey)
}

// ListFunctions returns the functions of one executor, or of the whole
// colony when executorName is ""; prvkey is a member's.
func (c *Client) ListFunctions(colonyName, executorName, prvkey string) ([]Function, error) {
	return fetch[[]Function](c, func(h uintptr, out *string) int {
		return capi.Colonies_client_list_functions(h, out, colonyName, executorName, prvkey)
	}, colonyName, executorName, prvkey)
}

// RemoveFunction removes a function; prvkey is the executor's that added it.
func (c *Client) RemoveFunction(functionID, prvkey string) error {
	return c.do(func(h uintptr) int {
		return capi.Colonies_client_remove_function(h, functionID, prvkey)
	}, functionID, prvkey)
}

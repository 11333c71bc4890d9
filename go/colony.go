package colonies

import "github.com/colonyos/libcolonies/go/internal/capi"

// AddColony adds a colony; prvkey is the server owner's. colony.ID is the id
// of the colony's own private key (see ID).
func (c *Client) AddColony(colony Colony, prvkey string) (*Colony, error) {
	colonyJSON, err := encode("colony", colony)
	if err != nil {
		return nil, err
	}
	return fetch[*Colony](c, func(h uintptr, out *string) int {
		return capi.Colonies_client_add_colony(h, out, colonyJSON, prvkey)
	}, colonyJSON, prvkey)
}

// RemoveColony removes a colony; prvkey is the server owner's.
func (c *Client) RemoveColony(colonyName, prvkey string) error {
	return c.do(func(h uintptr) int {
		return capi.Colonies_client_remove_colony(h, colonyName, prvkey)
	}, colonyName, prvkey)
}

// GetColony returns a colony; prvkey is a member's.
func (c *Client) GetColony(colonyName, prvkey string) (*Colony, error) {
	return fetch[*Colony](c, func(h uintptr, out *string) int {
		return capi.Colonies_client_get_colony(h, out, colonyName, prvkey)
	}, colonyName, prvkey)
}

// ListColonies returns every colony; prvkey is the server owner's.
func (c *Client) ListColonies(prvkey string) ([]Colony, error) {
	return fetch[[]Colony](c, func(h uintptr, out *string) int {
		return capi.Colonies_client_list_colonies(h, out, prvkey)
	}, prvkey)
}

// ColonyStatistics returns a colony's statistics; prvkey is a member's.
func (c *Client) ColonyStatistics(colonyName, prvkey string) (*Statistics, error) {
	return fetch[*Statistics](c, func(h uintptr, out *string) int {
		return capi.Colonies_client_colony_statistics(h, out, colonyName, prvkey)
	}, colonyName, prvkey)
}

package colonies

import "github.com/colonyos/libcolonies/go/internal/capi"

// Health returns nil when the server answers that it is healthy.
func (c *Client) Health() error {
	return c.do(func(h uintptr) int { return capi.Colonies_client_health(h) })
}

// Version returns the server's build version and time. The request is
// unsigned.
func (c *Client) Version() (*ServerVersion, error) {
	return fetch[*ServerVersion](c, func(h uintptr, out *string) int {
		return capi.Colonies_client_version(h, out)
	})
}

// ServerInfo returns the server's public information. The request is
// unsigned.
func (c *Client) ServerInfo() (*ServerInfo, error) {
	return fetch[*ServerInfo](c, func(h uintptr, out *string) int {
		return capi.Colonies_client_server_info(h, out)
	})
}

// Statistics returns server-wide statistics; prvkey is the server owner's.
func (c *Client) Statistics(prvkey string) (*Statistics, error) {
	return fetch[*Statistics](c, func(h uintptr, out *string) int {
		return capi.Colonies_client_statistics(h, out, prvkey)
	}, prvkey)
}

// LibraryVersion is the version of the linked libcolonies, "MAJOR.MINOR.PATCH".
func LibraryVersion() string {
	return capi.Colonies_version()
}

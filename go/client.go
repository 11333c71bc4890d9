package colonies

import (
	"encoding/json"
	"runtime"
	"sync"

	"github.com/colonyos/libcolonies/go/internal/capi"
)

// Client is a connection pool to one Colonies server. It is safe for
// concurrent use; Close releases it.
type Client struct {
	// mu is held for reading by every call and for writing by Close: the
	// core allows freeing a handle only once no call is in flight on it.
	mu sync.RWMutex
	h  uintptr // the colonies_client *, 0 once closed
}

// NewClient creates a client for the server at host:port. Nothing is sent
// until the first call.
func NewClient(host string, port int, opts ...Option) (*Client, error) {
	optionsJSON, err := marshalOptions(opts)
	if err != nil {
		return nil, err
	}
	var h uintptr
	err = call(func() int { return capi.Colonies_client_new(&h, host, port, optionsJSON) }, host)
	if err != nil {
		return nil, err
	}
	c := &Client{h: h}
	// A safety net for a Client dropped without Close; Close is still the
	// way to release the connections at a known time.
	runtime.SetFinalizer(c, (*Client).Close)
	return c, nil
}

// Close releases the client and its connections. It waits for calls in
// flight (a blocking Assign included) to return; calls made after it fail
// with ErrInvalidArgument. Closing twice is harmless.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h != 0 {
		capi.Colonies_client_free(c.h)
		c.h = 0
		runtime.SetFinalizer(c, nil)
	}
	return nil
}

// do runs f with the handle, as call does, while holding the client open.
func (c *Client) do(f func(h uintptr) int, args ...string) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.h == 0 {
		return newError(capi.COLONIES_EINVAL, "the client is closed")
	}
	h := c.h
	return call(func() int { return f(h) }, args...)
}

// fetch runs a call that stores a JSON reply and decodes it into a T.
func fetch[T any](c *Client, f func(h uintptr, out *string) int, args ...string) (T, error) {
	var out string
	err := c.do(func(h uintptr) int { return f(h, &out) }, args...)
	if out, err = output(out, err); err != nil {
		var zero T
		return zero, err
	}
	return decode[T](out)
}

// decode unmarshals a reply. Lists arrive as null when empty, which leaves
// a nil slice.
func decode[T any](s string) (T, error) {
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return v, newError(capi.COLONIES_EREPLY, "decoding the reply: %v", err)
	}
	return v, nil
}

// encode marshals a value for a JSON argument.
func encode(what string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", newError(capi.COLONIES_EJSON, "%s: %v", what, err)
	}
	return string(b), nil
}

package colonies

import (
	"context"
	"encoding/json"
	"runtime"
	"sync"

	"github.com/colonyos/libcolonies/go/internal/capi"
)

// Client is a connection pool to one Colonies server. It is safe for
// concurrent use; Close releases it.
//
// It has a method for every operation of the server (generated from the
// registry, the core's one description of the protocol): GetProcess,
// SubmitFuncSpec, AssignProcess, CloseSuccessful, ... Each takes a
// context.Context first, whose deadline bounds the call and whose
// cancellation stops it at once, blocked or not. The core runs the requests
// on a thread of its own; a goroutine waiting for a reply holds no OS
// thread, as with a socket.
type Client struct {
	// mu is held for reading while a call or subscription starts and for
	// writing by Close, which so sees every one that started.
	mu sync.RWMutex
	h  uintptr // the colonies_client *, 0 once closed
	// inflight counts the calls started and not yet released: the core
	// allows freeing a client only once none is left.
	inflight sync.WaitGroup
	// subs are the subscriptions open on the client, released by Close.
	subs map[releaser]struct{}
	// record, when set (by tests), receives the calls instead of the server.
	record func(operation string, params any, prvkey string) error
}

// releaser is an open subscription, which Close releases.
type releaser interface{ release() }

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
	return newClient(h), nil
}

// NewClientFromEnv creates a client for the server the COLONIES_* environment
// names (COLONIES_SERVER_HOST, COLONIES_SERVER_PORT, and COLONIES_SERVER_TLS
// or COLONIES_TLS; see Env). Options given win over the environment.
func NewClientFromEnv(opts ...Option) (*Client, error) {
	optionsJSON, err := marshalOptions(opts)
	if err != nil {
		return nil, err
	}
	var h uintptr
	if err := call(func() int { return capi.Colonies_client_new_from_env(&h, optionsJSON) }); err != nil {
		return nil, err
	}
	return newClient(h), nil
}

func newClient(h uintptr) *Client {
	c := &Client{h: h}
	// A safety net for a Client dropped without Close; Close is still the
	// way to release the connections at a known time.
	runtime.SetFinalizer(c, (*Client).Close)
	return c
}

// Env reads the COLONIES_* environment variables the registry knows. When
// both COLONIES_SERVER_TLS and COLONIES_TLS are set, COLONIES_SERVER_TLS wins.
func Env() (Environment, error) {
	var out string
	var env Environment
	err := call(func() int { return capi.Colonies_env(&out) })
	if out, err = output(out, err); err != nil {
		return env, err
	}
	return env, decode(out, &env)
}

// Close releases the client and its connections. Calls and subscriptions in
// flight are cancelled (an assign blocked in the server ends at once, with
// ErrInDoubt); calls made afterwards fail with ErrInvalidArgument. Closing
// twice is harmless.
func (c *Client) Close() error {
	c.mu.Lock()
	h, subs := c.h, c.subs
	c.h, c.subs = 0, nil
	if h != 0 {
		capi.Colonies_client_cancel_all(h)
	}
	c.mu.Unlock()
	if h == 0 {
		return nil
	}
	runtime.SetFinalizer(c, nil)
	for s := range subs {
		s.release()
	}
	c.inflight.Wait()
	capi.Colonies_client_free(h)
	return nil
}

// start starts a call in the core with f and the client's handle; the call
// is in flight, and must be ended with finish.
func (c *Client) start(f func(h uintptr, callh *uintptr) int, args ...string) (uintptr, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.h == 0 {
		return 0, newError(capi.COLONIES_EINVAL, "the client is closed")
	}
	var callh uintptr
	if err := call(func() int { return f(c.h, &callh) }, args...); err != nil {
		return 0, err
	}
	c.inflight.Add(1)
	return callh, nil
}

// finish waits for a call started by start, releases it and returns its
// reply (a JSON text) or its error.
func (c *Client) finish(ctx context.Context, callh uintptr) (string, error) {
	defer c.inflight.Done()
	await(ctx, callh)
	var out string
	err := call(func() int { return capi.Colonies_call_result(callh, &out) })
	capi.Colonies_call_free(callh)
	return out, withCause(ctx, err)
}

// run starts a call with f, given the handle and the timeout ctx allows,
// and waits for its reply.
func (c *Client) run(ctx context.Context, f func(h uintptr, timeoutMs int64, callh *uintptr) int, args ...string) (string, error) {
	timeoutMs, err := deadlineMs(ctx)
	if err != nil {
		return "", err
	}
	callh, err := c.start(func(h uintptr, callh *uintptr) int { return f(h, timeoutMs, callh) }, args...)
	if err != nil {
		return "", err
	}
	return c.finish(ctx, callh)
}

// invoke runs a registry operation: params (a struct or map marshalling to
// the operation's parameters, or nil) in, the reply decoded into out (nil:
// not wanted). prvkey "" runs an unsigned operation.
func (c *Client) invoke(ctx context.Context, operation string, params any, prvkey string, out any) error {
	if c.record != nil {
		return c.record(operation, params, prvkey)
	}
	paramsJSON := "{}"
	if params != nil {
		var err error
		if paramsJSON, err = encode("parameters", params); err != nil {
			return err
		}
	}
	reply, err := c.run(ctx, func(h uintptr, timeoutMs int64, callh *uintptr) int {
		return capi.Colonies_client_call_start(h, callh, operation, paramsJSON, prvkey, timeoutMs)
	}, operation, paramsJSON, prvkey)
	if reply, err = output(reply, err); err != nil || out == nil {
		return err
	}
	return decode(reply, out)
}

// Call runs any operation of the registry by name, with params marshalling
// to its parameters (nil: none), and returns the reply as JSON. The
// generated methods are the typed way to the same calls.
func (c *Client) Call(ctx context.Context, operation string, params any, prvkey string) (json.RawMessage, error) {
	var out json.RawMessage
	err := c.invoke(ctx, operation, params, prvkey, &out)
	return out, err
}

// Send sends any message type: msgType with the fields of payload (a value
// that marshals to a JSON object, or nil for none), signed with prvkey ("":
// unsigned), with no check against the registry, and returns the reply's
// payload. A raw message is never sent twice.
func (c *Client) Send(ctx context.Context, msgType string, payload any, prvkey string) (json.RawMessage, error) {
	payloadJSON := "{}"
	if payload != nil {
		var err error
		if payloadJSON, err = encode("payload", payload); err != nil {
			return nil, err
		}
	}
	out, err := c.run(ctx, func(h uintptr, timeoutMs int64, callh *uintptr) int {
		return capi.Colonies_client_send_start(h, callh, msgType, payloadJSON, prvkey, timeoutMs)
	}, msgType, payloadJSON, prvkey)
	if out, err = output(out, err); err != nil {
		return nil, err
	}
	return json.RawMessage(out), nil
}

// Health returns nil when the server answers that it is healthy.
func (c *Client) Health(ctx context.Context) error {
	_, err := c.run(ctx, func(h uintptr, timeoutMs int64, callh *uintptr) int {
		return capi.Colonies_client_health_start(h, callh, timeoutMs)
	})
	return err
}

// Registry returns the registry, the core's description of every operation,
// type, status and option, as JSON.
func Registry() json.RawMessage {
	return json.RawMessage(capi.Colonies_registry())
}

// LibraryVersion is the version of the linked libcolonies, "MAJOR.MINOR.PATCH".
func LibraryVersion() string {
	return capi.Colonies_version()
}

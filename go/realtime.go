package colonies

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"

	"github.com/colonyos/libcolonies/go/internal/capi"
)

// Subscription is a websocket subscription: the events the server pushes,
// decoded as T, in the order it sent them. The generated Subscribe* methods
// open one; Next reads it; Close ends it. It is safe for concurrent use.
type Subscription[T any] struct {
	client *Client
	// mu guards h and closed; next serialises Next, so that Close can wait
	// for the one in progress before releasing the handle.
	mu     sync.Mutex
	next   sync.Mutex
	h      uintptr  // the colonies_subscription *, 0 once released
	file   *os.File // a duplicate of its descriptor, watched by the runtime poller
	closed bool
}

// subscribe opens the registry's subscription operation with params.
func subscribe[T any](ctx context.Context, c *Client, operation string, params any, prvkey string) (*Subscription[T], error) {
	if c.record != nil {
		return nil, c.record(operation, params, prvkey)
	}
	if _, err := deadlineMs(ctx); err != nil {
		return nil, err
	}
	paramsJSON, err := encode("parameters", params)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h == 0 {
		return nil, newError(capi.COLONIES_EINVAL, "the client is closed")
	}
	var h uintptr
	err = call(func() int { return capi.Colonies_client_subscribe(c.h, &h, operation, paramsJSON, prvkey) },
		operation, paramsJSON, prvkey)
	if err != nil {
		return nil, err
	}
	s := &Subscription[T]{client: c, h: h}
	// Without a descriptor to watch, Next waits in the core instead.
	s.file, _ = watchable(capi.Colonies_subscription_fd(s.h))
	if c.subs == nil {
		c.subs = map[releaser]struct{}{}
	}
	c.subs[s] = struct{}{}
	return s, nil
}

// Next returns the next event, waiting for one as long as ctx allows. It
// returns an error wrapping ErrDone once the server has ended the
// subscription (at its timeout) and every event was read, ErrCancelled once
// Close or the client's Close ended it, an error wrapping ErrResubscribed
// once after its connection was lost and it subscribed again by itself (not
// an end: events meanwhile may be missed, so read again what it follows, and
// call Next again; see WithResubscribe), the error that ended it otherwise,
// and ctx's error (the subscription goes on) when ctx ends first.
func (s *Subscription[T]) Next(ctx context.Context) (T, error) {
	var zero T
	s.next.Lock()
	defer s.next.Unlock()
	s.mu.Lock()
	h := s.h
	s.mu.Unlock()
	if h == 0 {
		return zero, newError(capi.COLONIES_ECANCELLED, "the subscription is closed")
	}
	var out string
	var err error
	// next takes the next event, or the end, if one waits within ms.
	next := func(ms int64) bool {
		err = call(func() int { return capi.Colonies_subscription_next(h, &out, ms) })
		return !errors.Is(err, ErrExpired)
	}
	if s.file != nil {
		if werr := s.await(ctx, func() bool { return next(0) }); werr != nil {
			return zero, werr
		}
	} else {
		// No descriptor to watch: slices of a wait in the core, so that ctx is still heard.
		for !next(100) {
			if ctx.Err() != nil {
				return zero, &Error{Code: int(capi.COLONIES_EEXPIRED), Message: "no event before the context ended", Cause: ctx.Err()}
			}
		}
	}
	if err != nil {
		return zero, err
	}
	var v T
	return v, decode(out, &v)
}

// await returns once ready() holds, calling it whenever the subscription's
// descriptor becomes readable, or with ctx's error first.
func (s *Subscription[T]) await(ctx context.Context, ready func() bool) error {
	if err := ctx.Err(); err != nil {
		return &Error{Code: int(capi.COLONIES_EEXPIRED), Message: "no event before the context ended", Cause: err}
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(fired)
		s.file.SetReadDeadline(time.Unix(1, 0))
	})
	err := waitFile(s.file, ready)
	if !stop() {
		// The deadline was set, or is being set: clear it for the next call.
		<-fired
		s.file.SetReadDeadline(time.Time{})
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return &Error{Code: int(capi.COLONIES_EEXPIRED), Message: "no event before the context ended", Cause: ctx.Err()}
	}
	return err
}

// Close ends the subscription and releases it; a Next blocked in another
// goroutine returns ErrCancelled. Closing twice is harmless.
func (s *Subscription[T]) Close() error {
	c := s.client
	c.mu.Lock()
	delete(c.subs, s)
	c.mu.Unlock()
	s.release()
	return nil
}

// release cancels the subscription, waits for a Next in progress to return,
// and frees the handle.
func (s *Subscription[T]) release() {
	s.mu.Lock()
	h := s.h
	if h != 0 && !s.closed {
		s.closed = true
		capi.Colonies_subscription_cancel(h)
	}
	s.mu.Unlock()
	if h == 0 {
		return
	}
	s.next.Lock()
	defer s.next.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.h == 0 {
		return
	}
	if s.file != nil {
		s.file.Close()
	}
	capi.Colonies_subscription_free(s.h)
	s.h = 0
}

// Wait waits until the process has finished, whichever way (successful,
// failed or cancelled), and returns it as it then is. ctx's deadline bounds
// the wait (without one, a day at most): when it passes first, the error
// wraps ErrExpired. It follows the process over the server's websocket and
// reads it too, so a change the subscription misses is still seen.
func (c *Client) Wait(ctx context.Context, processID string, prvkey string) (*Process, error) {
	return c.waitProcess(ctx, processID, capi.COLONIES_WAIT_FINISHED, prvkey)
}

// WaitForState is Wait for a given state (ProcessWaiting, ProcessRunning,
// ...): it returns once the process is in it.
func (c *Client) WaitForState(ctx context.Context, processID string, state int, prvkey string) (*Process, error) {
	return c.waitProcess(ctx, processID, state, prvkey)
}

// The longest wait the core takes, in milliseconds: a day.
const maxWaitMs = 86400 * 1000

// waitMs is the core's timeout for a wait under ctx: until its deadline, or
// the longest the core takes when it has none.
func waitMs(ctx context.Context) (int64, error) {
	timeoutMs, err := deadlineMs(ctx)
	if err == nil && (timeoutMs == 0 || timeoutMs > maxWaitMs) {
		timeoutMs = maxWaitMs
	}
	return timeoutMs, err
}

func (c *Client) waitProcess(ctx context.Context, processID string, state int, prvkey string) (*Process, error) {
	timeoutMs, err := waitMs(ctx)
	if err != nil {
		return nil, err
	}
	callh, err := c.start(func(h uintptr, callh *uintptr) int {
		return capi.Colonies_client_wait_process_start(h, callh, processID, state, timeoutMs, prvkey)
	}, processID, prvkey)
	if err != nil {
		return nil, err
	}
	out, err := c.finish(ctx, callh)
	var e *Error
	if errors.As(err, &e) && e.Code == int(capi.COLONIES_ECANCELLED) && errors.Is(err, context.DeadlineExceeded) {
		// The deadline ended the wait: nothing happened in time, as when the core's own timer is first.
		e.Code = int(capi.COLONIES_EEXPIRED)
		e.Message = "wait: process " + processID + " did not reach the state before the context's deadline"
	}
	if out, err = output(out, err); err != nil {
		return nil, err
	}
	var p Process
	return &p, decode(out, &p)
}

package colonies

import (
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/colonyos/libcolonies/go/internal/capi"
)

// call runs f, one libcolonies call returning a status, and turns a failure
// into an *Error. The core keeps the failure's detail per OS thread, so the
// goroutine is locked to its thread from the call until the detail is read;
// otherwise the scheduler could move it and the detail read would be another
// call's.
//
// args are the call's string arguments: C strings end at a NUL byte, so one
// inside an argument would silently cut it short; such a call is refused.
func call(f func() int, args ...string) error {
	for _, a := range args {
		if strings.IndexByte(a, 0) >= 0 {
			return newError(capi.COLONIES_EINVAL, "a string argument contains a NUL byte")
		}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	rc := f()
	if rc == int(capi.COLONIES_OK) {
		return nil
	}
	return &Error{Code: rc, Message: capi.Colonies_last_error(), HTTPStatus: capi.Colonies_last_http_status()}
}

// output checks the string a successful call stored: the wrapper gives ""
// when it could not copy the library's string, and no call that has an
// output succeeds with an empty one.
func output(s string, err error) (string, error) {
	if err == nil && s == "" {
		return "", newError(capi.COLONIES_ENOMEM, "out of memory copying the result")
	}
	return s, err
}

// withContext runs f with the timeout and cancel token that carry ctx into
// the core: its deadline as the call's timeout, and its cancellation as a
// fired token, which stops a blocked call at once. An error the context
// caused carries ctx.Err() as its Cause.
func withContext(ctx context.Context, f func(timeoutMs int64, cancel uintptr) error) error {
	if err := ctx.Err(); err != nil {
		return &Error{Code: int(capi.COLONIES_ECANCELLED), Message: "the context is done before the call", Cause: err}
	}
	var timeoutMs int64
	deadline, hasDeadline := ctx.Deadline()
	if hasDeadline {
		left := time.Until(deadline)
		if left <= 0 {
			return &Error{Code: int(capi.COLONIES_ETIMEOUT), Message: "the context's deadline has passed", Cause: context.DeadlineExceeded}
		}
		// Rounded up, so that the core's timeout never ends the call before the deadline.
		timeoutMs = int64((left + time.Millisecond - 1) / time.Millisecond)
	}
	var token uintptr
	if ctx.Done() != nil {
		if err := call(func() int { return capi.Colonies_cancel_new(&token) }); err != nil {
			return err
		}
		var fired sync.WaitGroup
		fired.Add(1)
		stop := context.AfterFunc(ctx, func() {
			defer fired.Done()
			capi.Colonies_cancel_fire(token)
		})
		defer func() {
			// The token is freed only once the callback cannot touch it.
			if stop() {
				fired.Done()
			}
			fired.Wait()
			capi.Colonies_cancel_free(token)
		}()
	}
	err := f(timeoutMs, token)
	if e, ok := err.(*Error); ok {
		if ctx.Err() != nil {
			e.Cause = ctx.Err()
		} else if hasDeadline && !time.Now().Before(deadline) {
			// The core's timer, set from the deadline, fired as the context's did.
			e.Cause = context.DeadlineExceeded
		}
	}
	return err
}

// decode unmarshals a reply into out.
func decode(s string, out any) error {
	if err := json.Unmarshal([]byte(s), out); err != nil {
		return newError(capi.COLONIES_EREPLY, "decoding the reply: %v", err)
	}
	return nil
}

// encode marshals a value for a JSON argument.
func encode(what string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", newError(capi.COLONIES_EJSON, "%s: %v", what, err)
	}
	return string(b), nil
}

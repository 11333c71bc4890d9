package colonies

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"runtime"
	"strings"
	"syscall"
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

// deadlineMs is the timeout the core gets for a call under ctx: the time
// left until its deadline, rounded up so that the core never ends the call
// before it, or 0 (the client's own timeout) without one. An error when ctx
// is already done.
func deadlineMs(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		if err == context.DeadlineExceeded {
			return 0, &Error{Code: int(capi.COLONIES_ETIMEOUT), Message: "the context's deadline has passed", Cause: err}
		}
		return 0, &Error{Code: int(capi.COLONIES_ECANCELLED), Message: "the context is done before the call", Cause: err}
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		return 0, nil
	}
	left := time.Until(deadline)
	if left <= 0 {
		return 0, &Error{Code: int(capi.COLONIES_ETIMEOUT), Message: "the context's deadline has passed", Cause: context.DeadlineExceeded}
	}
	return int64((left + time.Millisecond - 1) / time.Millisecond), nil
}

// withCause marks an error that ctx caused with ctx's error as its Cause, so
// that errors.Is(err, context.Canceled) and DeadlineExceeded hold.
func withCause(ctx context.Context, err error) error {
	e, ok := err.(*Error)
	if !ok {
		return err
	}
	if ctx.Err() != nil {
		e.Cause = ctx.Err()
	} else if deadline, has := ctx.Deadline(); has && !time.Now().Before(deadline) {
		// The core's timer, set from the deadline, fired as the context's did.
		e.Cause = context.DeadlineExceeded
	}
	return err
}

// await returns once the call in flight callh has ended. It does not block
// an OS thread: the call's descriptor is watched by the Go runtime's poller,
// as a socket is. ctx's cancellation cancels the call in the core, which
// then ends at once.
func await(ctx context.Context, callh uintptr) {
	if ctx.Done() != nil {
		done := make(chan struct{})
		stop := context.AfterFunc(ctx, func() {
			defer close(done)
			capi.Colonies_call_cancel(callh)
		})
		defer func() {
			// The handle must outlive the callback.
			if !stop() {
				<-done
			}
		}()
	}
	ended := func() bool { return capi.Colonies_call_wait(callh, 0) == 1 }
	if waitReadable(capi.Colonies_call_fd(callh), ended) != nil {
		// No descriptor to watch: wait in the core instead.
		capi.Colonies_call_wait(callh, -1)
	}
}

// waitReadable returns nil once ready() holds, calling it again each time fd
// becomes readable, with fd watched by the runtime poller through a
// duplicate of it; an error when fd cannot be watched.
func waitReadable(fd int, ready func() bool) error {
	if fd < 0 {
		return errors.New("no descriptor")
	}
	f, err := watchable(fd)
	if err != nil {
		return err
	}
	defer f.Close()
	return waitFile(f, ready)
}

// watchable duplicates fd as a non-blocking *os.File the runtime poller
// watches; the caller closes it, the original stays the core's.
func watchable(fd int) (*os.File, error) {
	dup, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, 0)
	if errno != 0 {
		return nil, errno
	}
	if err := syscall.SetNonblock(int(dup), true); err != nil {
		syscall.Close(int(dup))
		return nil, err
	}
	return os.NewFile(dup, "colonies"), nil
}

// waitFile is waitReadable on a file from watchable. A read deadline set on
// f from another goroutine ends it with os.ErrDeadlineExceeded.
func waitFile(f *os.File, ready func() bool) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Read(func(uintptr) bool { return ready() })
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

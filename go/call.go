package colonies

import (
	"runtime"
	"strings"

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
	if rc == capi.COLONIES_OK {
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

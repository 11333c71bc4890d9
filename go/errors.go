package colonies

import (
	"fmt"
	"slices"

	"github.com/colonyos/libcolonies/go/internal/capi"
)

// Error is a failed call. Code is the core's status code (negative; see
// colonies/status.h), Message the detail (the server's message, the
// transport's text, which argument was wrong) and HTTPStatus the status of
// the server's reply, or 0 when there was none. Cause, when set, is the
// context's error that stopped the call (context.Canceled or
// context.DeadlineExceeded), so errors.Is reaches it too.
//
// The error kinds (ErrInvalidArgument, ErrNotFound, ErrInDoubt, ...) and
// which kinds include which are generated from the registry; test them with
// errors.Is.
type Error struct {
	Code       int
	Message    string
	HTTPStatus int
	Cause      error
}

// Error returns the code's fixed text followed by the detail.
func (e *Error) Error() string {
	s := "colonies: " + capi.Colonies_strerror(e.Code)
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.HTTPStatus != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.HTTPStatus)
	}
	return s
}

// Is reports whether target is one of the error's kinds.
func (e *Error) Is(target error) bool {
	return slices.Contains(kindsByCode[e.Code], target)
}

// Unwrap returns the context's error that stopped the call, if any.
func (e *Error) Unwrap() error {
	return e.Cause
}

// newError makes an error that arose in the Go layer itself, such as a value
// that does not marshal, with the code the core would use for it.
func newError(code capi.Enum_SS_colonies_status, format string, args ...any) *Error {
	return &Error{Code: int(code), Message: fmt.Sprintf(format, args...)}
}

package colonies

import (
	"errors"
	"fmt"
	"slices"

	"github.com/colonyos/libcolonies/go/internal/capi"
)

// Error kinds, for errors.Is. Like the Python binding's exception classes,
// some kinds include others: ErrJSON and ErrCrypto are also
// ErrInvalidArgument, and ErrNotFound and ErrForbidden are also ErrServer.
var (
	ErrInvalidArgument = errors.New("colonies: invalid argument")
	ErrNoMemory        = errors.New("colonies: out of memory")
	ErrJSON            = errors.New("colonies: invalid JSON")
	ErrTransport       = errors.New("colonies: transport failure")
	ErrTimeout         = errors.New("colonies: timeout")
	ErrServer          = errors.New("colonies: server error")
	ErrNotFound        = errors.New("colonies: not found")
	ErrReply           = errors.New("colonies: malformed reply")
	ErrCrypto          = errors.New("colonies: invalid key or signature")
	ErrForbidden       = errors.New("colonies: forbidden")
)

// kindsByCode is the one table from the core's status codes to error kinds;
// the first kind of each entry is the code's own, the rest the broader kinds
// it belongs to.
var kindsByCode = map[int][]error{
	capi.COLONIES_EINVAL:     {ErrInvalidArgument},
	capi.COLONIES_ENOMEM:     {ErrNoMemory},
	capi.COLONIES_EJSON:      {ErrJSON, ErrInvalidArgument},
	capi.COLONIES_ETRANSPORT: {ErrTransport},
	capi.COLONIES_ETIMEOUT:   {ErrTimeout},
	capi.COLONIES_ESERVER:    {ErrServer},
	capi.COLONIES_ENOTFOUND:  {ErrNotFound, ErrServer},
	capi.COLONIES_EREPLY:     {ErrReply},
	capi.COLONIES_ECRYPTO:    {ErrCrypto, ErrInvalidArgument},
	capi.COLONIES_EFORBIDDEN: {ErrForbidden, ErrServer},
}

// Error is a failed call. Code is the core's status code (negative; see
// colonies/common.h), Message the detail (the server's message, the
// transport's text, which argument was wrong) and HTTPStatus the status of
// the server's reply, or 0 when there was none.
type Error struct {
	Code       int
	Message    string
	HTTPStatus int
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

// newError makes an error that arose in the Go layer itself, such as a value
// that does not marshal, with the code the core would use for it.
func newError(code int, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

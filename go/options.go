package colonies

import (
	"encoding/json"
	"time"

	"github.com/colonyos/libcolonies/go/internal/capi"
)

// Option configures a Client. Options not given are left to the core's
// defaults (see colonies_client_new in colonies/client.h).
type Option func(*clientOptions)

// clientOptions is marshalled to the options JSON of colonies_client_new;
// only the options given appear in it.
type clientOptions struct {
	TLS              *bool   `json:"tls,omitempty"`
	VerifyTLS        *bool   `json:"verify_tls,omitempty"`
	CABundle         *string `json:"ca_bundle,omitempty"`
	ConnectTimeoutMs *int64  `json:"connect_timeout_ms,omitempty"`
	RequestTimeoutMs *int64  `json:"request_timeout_ms,omitempty"`
}

// WithTLS makes the client use https (on) or http (off).
func WithTLS(on bool) Option {
	return func(o *clientOptions) { o.TLS = &on }
}

// WithVerifyTLS turns the check of the server's certificate and name on or
// off. Turning it off is for tests against self-signed servers only.
func WithVerifyTLS(on bool) Option {
	return func(o *clientOptions) { o.VerifyTLS = &on }
}

// WithCABundle makes the client trust the CAs in the PEM file at path instead
// of the system's.
func WithCABundle(path string) Option {
	return func(o *clientOptions) { o.CABundle = &path }
}

// WithConnectTimeout bounds the time to establish a connection.
func WithConnectTimeout(d time.Duration) Option {
	return func(o *clientOptions) { o.ConnectTimeoutMs = millis(d) }
}

// WithRequestTimeout bounds a whole request. A blocking Assign waits its own
// timeout on top of this.
func WithRequestTimeout(d time.Duration) Option {
	return func(o *clientOptions) { o.RequestTimeoutMs = millis(d) }
}

// millis converts d to whole milliseconds, rounding up so that a positive
// duration never becomes 0. The core checks the range.
func millis(d time.Duration) *int64 {
	ms := int64((d + time.Millisecond - 1) / time.Millisecond)
	if d <= 0 {
		ms = d.Milliseconds()
	}
	return &ms
}

func marshalOptions(opts []Option) (string, error) {
	var o clientOptions
	for _, opt := range opts {
		opt(&o)
	}
	b, err := json.Marshal(o)
	if err != nil {
		return "", newError(capi.COLONIES_EJSON, "client options: %v", err)
	}
	return string(b), nil
}

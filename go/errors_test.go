package colonies

import (
	"context"
	"errors"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestErrorKinds(t *testing.T) {
	cases := []struct {
		code int
		is   []error
		not  []error
	}{
		{-1, []error{ErrInvalidArgument}, []error{ErrJSON, ErrServer}},
		{-3, []error{ErrJSON, ErrInvalidArgument}, []error{ErrCrypto}},
		{-4, []error{ErrTransport}, []error{ErrTimeout, ErrServer, ErrInDoubt}},
		{-5, []error{ErrTimeout}, []error{ErrTransport, ErrInDoubt, ErrExpired}},
		{-6, []error{ErrServer}, []error{ErrNotFound, ErrForbidden}},
		{-7, []error{ErrNotFound, ErrServer}, []error{ErrForbidden}},
		{-8, []error{ErrReply}, []error{ErrServer}},
		{-9, []error{ErrCrypto, ErrInvalidArgument}, []error{ErrJSON}},
		{-10, []error{ErrForbidden, ErrServer}, []error{ErrNotFound}},
		{-11, []error{ErrInDoubt}, []error{ErrTimeout, ErrTransport, ErrCancelled}},
		{-12, []error{ErrCancelled}, []error{ErrInDoubt, ErrTimeout}},
		{-13, []error{ErrExpired}, []error{ErrTimeout, ErrNotFound, ErrServer}},
		{-999, nil, []error{ErrServer, ErrInvalidArgument}},
	}
	for _, tc := range cases {
		err := error(&Error{Code: tc.code, Message: "detail", HTTPStatus: 404})
		for _, k := range tc.is {
			if !errors.Is(err, k) {
				t.Errorf("code %d: not %v", tc.code, k)
			}
		}
		for _, k := range tc.not {
			if errors.Is(err, k) {
				t.Errorf("code %d: is %v", tc.code, k)
			}
		}
		if s := err.Error(); !strings.Contains(s, "detail") || !strings.Contains(s, "404") {
			t.Errorf("code %d: Error() = %q", tc.code, s)
		}
		if errors.Unwrap(err) != nil || errors.Is(err, context.Canceled) {
			t.Errorf("code %d: an error with no Cause unwraps to %v", tc.code, errors.Unwrap(err))
		}
	}
	// The Cause, the context's error that stopped a call, is reached too.
	err := error(&Error{Code: -11, Message: "detail", Cause: context.Canceled})
	if !errors.Is(err, ErrInDoubt) || !errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("an in-doubt error caused by cancellation: %v", err)
	}
	if errors.Unwrap(err) != context.Canceled {
		t.Errorf("Unwrap = %v, want context.Canceled", errors.Unwrap(err))
	}
}

func TestTransportError(t *testing.T) {
	// A port that was just free: nothing listens on it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	c, err := NewClient("127.0.0.1", port, WithConnectTimeout(2*time.Second))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer c.Close()
	ctx := testCtx(t)
	v, err := c.Version(ctx, "", "")
	e := wantKind(t, "Version from a closed port", err, ErrTransport)
	if e.HTTPStatus != 0 {
		t.Errorf("HTTPStatus = %d with no reply", e.HTTPStatus)
	}
	if v != nil {
		t.Errorf("Version from a closed port returned %+v", v)
	}
	wantKind(t, "Health from a closed port", c.Health(ctx), ErrTransport)
}

func TestTLSOptions(t *testing.T) {
	env := testServer(t)
	// The test server speaks plain http, so a TLS handshake with it fails.
	c, err := NewClient(env.host, env.port, WithTLS(true), WithVerifyTLS(true),
		WithCABundle("/nonexistent/ca.pem"), WithRequestTimeout(5*time.Second))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer c.Close()
	_, err = c.Version(testCtx(t), "", "")
	wantKind(t, "Version over TLS from a plain http server", err, ErrTransport)
}

func TestBadClientArguments(t *testing.T) {
	_, err := NewClient("", 50080)
	wantKind(t, "NewClient with no host", err, ErrInvalidArgument)
	_, err = NewClient("host/path", 50080)
	wantKind(t, "NewClient with a path in the host", err, ErrInvalidArgument)
	_, err = NewClient("localhost", 50080, WithConnectTimeout(-time.Second))
	if e := wantKind(t, "NewClient with a negative timeout", err, ErrInvalidArgument); !strings.Contains(e.Message, "connect_timeout") {
		t.Errorf("NewClient with a negative timeout: message %q does not name connect_timeout", e.Message)
	}
	_, err = NewClient("localhost", 50080, WithRequestTimeout(0))
	if e := wantKind(t, "NewClient with no request timeout", err, ErrInvalidArgument); !strings.Contains(e.Message, "request_timeout") {
		t.Errorf("NewClient with no request timeout: message %q does not name request_timeout", e.Message)
	}
}

func TestServerErrors(t *testing.T) {
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	_, err := c.GetProcess(ctx, strings.Repeat("0", 64), f.executorKey)
	e := wantKind(t, "GetProcess of an unknown id", err, ErrNotFound)
	if e.HTTPStatus != 404 || !errors.Is(err, ErrServer) {
		t.Errorf("GetProcess of an unknown id: %v, HTTP %d", err, e.HTTPStatus)
	}
	// A valid key that belongs to nobody in the colony.
	_, err = c.GetColony(ctx, f.colony, mustPrvKey(t))
	e = wantKind(t, "GetColony by a stranger", err, ErrForbidden)
	if e.HTTPStatus != 403 {
		t.Errorf("GetColony by a stranger: HTTP %d", e.HTTPStatus)
	}
	_, err = c.GetColonies(ctx, f.colonyKey)
	wantKind(t, "GetColonies by a colony owner", err, ErrForbidden)
	_, err = c.GetColony(ctx, f.colony, "not-a-key")
	wantKind(t, "GetColony with a malformed key", err, ErrCrypto)
}

func TestBadArguments(t *testing.T) {
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	_, err := c.AssignProcess(ctx, f.colony, 0, "", "", f.executorKey)
	wantKind(t, "AssignProcess with no timeout", err, ErrInvalidArgument)
	_, err = c.AssignProcess(ctx, "", 1, "", "", f.executorKey)
	wantKind(t, "AssignProcess with no colony", err, ErrInvalidArgument)
	_, err = c.GetProcesses(ctx, f.colony, 101, ProcessWaiting, "", "", "", f.executorKey)
	if e := wantKind(t, "GetProcesses of 101", err, ErrInvalidArgument); !strings.Contains(e.Message, "count") {
		t.Errorf("GetProcesses of 101: message %q does not name count", e.Message)
	}
	_, err = c.GetProcesses(ctx, f.colony, 10, 9, "", "", "", f.executorKey)
	wantKind(t, "GetProcesses in state 9", err, ErrInvalidArgument)
	wantKind(t, "CloseSuccessful with no id", c.CloseSuccessful(ctx, "", nil, f.executorKey), ErrInvalidArgument)
	_, err = c.GetColony(ctx, f.colony+"\x00x", f.executorKey)
	wantKind(t, "GetColony with a NUL byte in the name", err, ErrInvalidArgument)
	// Values that do not marshal never reach the core.
	wantKind(t, "CloseSuccessful with an unmarshalable output", c.CloseSuccessful(ctx, "x", []any{make(chan int)}, f.executorKey), ErrJSON)
	// A count of 0 would list nothing: it is refused as before.
	_, err = c.GetProcesses(ctx, f.colony, 0, ProcessWaiting, "", "", "", f.executorKey)
	wantKind(t, "GetProcesses of 0", err, ErrInvalidArgument)
}

func TestBadJSON(t *testing.T) {
	c, env := newTestClient(t)
	ctx := testCtx(t)
	_, err := c.Send(ctx, "getcolonymsg", "a string, not an object", env.serverKey)
	wantKind(t, "Send with a non-object payload", err, ErrJSON)
	_, err = c.Send(ctx, "getcolonymsg", func() {}, env.serverKey)
	wantKind(t, "Send with an unmarshalable payload", err, ErrJSON)
	_, err = c.Send(ctx, "", nil, env.serverKey)
	wantKind(t, "Send with no message type", err, ErrInvalidArgument)
	// An unknown message type is refused by the server.
	_, err = c.Send(ctx, "nosuchmsg", nil, env.serverKey)
	wantKind(t, "Send of an unknown message type", err, ErrForbidden)
}

func TestFuncSpecValidation(t *testing.T) {
	_, err := NewFuncSpec(FuncSpecOptions{ColonyName: "dev", ExecutorType: "t"})
	if e := wantKind(t, "NewFuncSpec with no funcname", err, ErrInvalidArgument); !strings.Contains(e.Message, "funcname") {
		t.Errorf("NewFuncSpec with no funcname: message %q does not name it", e.Message)
	}
	_, err = NewFuncSpec(FuncSpecOptions{FuncName: "f", ColonyName: "dev"})
	wantKind(t, "NewFuncSpec with no executor", err, ErrInvalidArgument)
	_, err = NewFuncSpec(FuncSpecOptions{FuncName: "f", ColonyName: "dev", ExecutorType: "t", Priority: Ptr(60000)})
	if e := wantKind(t, "NewFuncSpec with priority 60000", err, ErrInvalidArgument); !strings.Contains(e.Message, "priority") {
		t.Errorf("NewFuncSpec with priority 60000: message %q does not name it", e.Message)
	}

	// The defaults come from the core; an explicit value overrides one.
	spec, err := NewFuncSpec(FuncSpecOptions{FuncName: "f", ColonyName: "dev", ExecutorType: "t", MaxRetries: Ptr(3), Priority: Ptr(0)})
	if err != nil {
		t.Fatalf("NewFuncSpec: %v", err)
	}
	if spec.NodeName != "f" || spec.MaxRetries != 3 || spec.Priority != 0 || spec.MaxExecTime != -1 ||
		spec.Conditions.ColonyName != "dev" || spec.Conditions.ExecutorType != "t" || spec.Args == nil {
		t.Errorf("NewFuncSpec = %+v", spec)
	}
}

func TestClosedClient(t *testing.T) {
	c, _ := newTestClient(t)
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close twice: %v", err)
	}
	_, err := c.Version(testCtx(t), "", "")
	wantKind(t, "Version after Close", err, ErrInvalidArgument)
}

// TestDroppedClient leaves clients to the finalizer, which must release
// them without a Close: the connections each one opened are closed.
func TestDroppedClient(t *testing.T) {
	env := testServer(t)
	openFiles := func() int {
		entries, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skipf("cannot count open files: %v", err)
		}
		return len(entries)
	}
	before := openFiles()
	for i := 0; i < 20; i++ {
		c, err := NewClient(env.host, env.port)
		if err != nil {
			t.Fatalf("NewClient: %v", err)
		}
		if err := c.Health(context.Background()); err != nil {
			t.Fatalf("Health: %v", err)
		}
	}
	held := openFiles()
	if held < before+20 {
		t.Fatalf("20 clients hold %d more open files, want a connection each", held-before)
	}
	deadline := time.Now().Add(10 * time.Second)
	for openFiles() > before+2 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(50 * time.Millisecond)
	}
	if after := openFiles(); after > before+2 {
		t.Errorf("after the finalizers, %d files are open, against %d before the clients (and %d with them)", after, before, held)
	}
}

package colonies

// TLS against the real server, through the TLS terminator scripts/tls-front
// starts in front of it (the server itself, v1.9.12, serves plain HTTP
// only): calls and a subscription over TLS with the test CA as the CA
// bundle, by address and by name; verification on by default; the bundle
// trusted alone, in place of the system's CAs; a host name the certificate
// does not hold and a CA that did not sign it refused; WithVerifyTLS(false)
// accepting both. The terminator's port, its CA, a second CA that signed
// nothing and an address the certificate does not name come from the
// variables `scripts/tls-front env` prints; the tests skip when
// COLONIES_TLS_PORT is unset.

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

type tlsEnv struct {
	port        int
	ca          string // the CA that signed the terminator's certificate
	otherCA     string // a CA that signed nothing
	unnamedHost string // an address the terminator listens on that its certificate does not name
}

func testTLS(t *testing.T) tlsEnv {
	t.Helper()
	port := os.Getenv("COLONIES_TLS_PORT")
	if port == "" {
		t.Skip(`COLONIES_TLS_PORT is not set: start the TLS front with scripts/tls-front start ` +
			`and run eval "$(scripts/tls-front env)" before go test`)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		t.Fatalf("COLONIES_TLS_PORT: %v", err)
	}
	e := tlsEnv{port: p, ca: os.Getenv("COLONIES_TLS_CA"), otherCA: os.Getenv("COLONIES_TLS_OTHER_CA"),
		unnamedHost: os.Getenv("COLONIES_TLS_UNNAMED_HOST")}
	if e.ca == "" || e.otherCA == "" || e.unnamedHost == "" {
		t.Fatal("COLONIES_TLS_CA, COLONIES_TLS_OTHER_CA or COLONIES_TLS_UNNAMED_HOST is not set (see scripts/tls-front env)")
	}
	// The system's CAs are the distribution's, whatever the environment says.
	t.Setenv("SSL_CERT_FILE", "")
	return e
}

func newTLSClient(t *testing.T, host string, port int, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(host, port, append([]Option{WithTLS(true), WithRequestTimeout(30 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatalf("NewClient(%s:%d): %v", host, port, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Everything over TLS with the test CA as the bundle: a colony and its
// executor added, a subscription's event, a submit, an assign, a wait that
// sees the close, the colony removed.
func TestTLSCallsAndSubscription(t *testing.T) {
	tls := testTLS(t)
	env := testServer(t)
	for _, host := range []string{"127.0.0.1", "localhost"} {
		t.Run(host, func(t *testing.T) {
			c := newTLSClient(t, host, tls.port, WithCABundle(tls.ca))
			ctx := testCtx(t)
			if err := c.Health(ctx); err != nil {
				t.Fatalf("Health over TLS: %v", err)
			}
			f := newFixtureOn(t, c, env)

			// A subscription: the websocket at /pubsub, over TLS.
			sub, err := c.SubscribeProcesses(ctx, f.colony, f.executorType, ProcessWaiting, 10, f.executorKey)
			if err != nil {
				t.Fatalf("SubscribeProcesses: %v", err)
			}
			defer sub.Close()
			short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			_, err = sub.Next(short)
			cancel()
			if !errors.Is(err, ErrExpired) {
				t.Fatalf("Next before any submit: %v, want ErrExpired", err)
			}
			p := f.submit(t, "echo", "over tls")
			next, cancel := context.WithTimeout(ctx, 10*time.Second)
			event, err := sub.Next(next)
			cancel()
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if event == nil || event.ID != p.ID {
				t.Fatalf("Next = %+v, want process %s", event, p.ID)
			}
			sub.Close()

			// A wait (a subscription and reads) sees the close made on another connection.
			got, err := c.AssignProcess(ctx, f.colony, 5, "", "", f.executorKey)
			if err != nil || got == nil || got.ID != p.ID {
				t.Fatalf("AssignProcess = %+v, %v; want process %s", got, err, p.ID)
			}
			closed := make(chan error, 1)
			go func() {
				time.Sleep(200 * time.Millisecond)
				closed <- c.CloseSuccessful(ctx, p.ID, []any{"done"}, f.executorKey)
			}()
			wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			done, err := c.Wait(wctx, p.ID, f.executorKey)
			cancel()
			if cerr := <-closed; cerr != nil {
				t.Fatalf("CloseSuccessful: %v", cerr)
			}
			if err != nil {
				t.Fatalf("Wait: %v", err)
			}
			if done.State != ProcessSuccessful || len(done.Output) != 1 || done.Output[0] != "done" {
				t.Fatalf("Wait = state %d, output %v; want successful with [done]", done.State, done.Output)
			}
		})
	}
}

// wantRefused checks that every kind of request of c is refused at the
// handshake: an error of kind ErrTransport (not ErrInDoubt, though add_colony
// is not idempotent: nothing was sent) without an HTTP status, whose message
// contains want.
func wantRefused(t *testing.T, c *Client, want string) {
	t.Helper()
	ctx := testCtx(t)
	check := func(what string, err error) {
		t.Helper()
		e := wantKind(t, what, err, ErrTransport)
		t.Logf("%s: %v", what, err)
		if !strings.Contains(e.Message, want) {
			t.Errorf("%s: message %q does not contain %q", what, e.Message, want)
		}
		if e.HTTPStatus != 0 {
			t.Errorf("%s: HTTP status %d, want none", what, e.HTTPStatus)
		}
	}
	check("Health", c.Health(ctx))
	key := mustPrvKey(t)
	_, err := c.AddColony(ctx, Colony{ID: mustID(t, key), Name: "tls-refused"}, key)
	check("AddColony", err)
	sub, err := c.SubscribeProcesses(ctx, "dev", "t", ProcessWaiting, 5, key)
	if err != nil {
		t.Fatalf("SubscribeProcesses: %v", err)
	}
	defer sub.Close()
	next, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err = sub.Next(next)
	check("subscription", err)
}

func wantAccepted(t *testing.T, c *Client, env serverEnv) {
	t.Helper()
	ctx := testCtx(t)
	if err := c.Health(ctx); err != nil {
		t.Fatalf("Health: %v", err)
	}
	cs, err := c.GetColonies(ctx, env.serverKey)
	if err != nil {
		t.Fatalf("GetColonies: %v", err)
	}
	for _, col := range cs {
		if col.Name == "dev" {
			return
		}
	}
	t.Fatalf("GetColonies = %+v, want the colony dev among them", cs)
}

// Verification is on by default: the system's CAs do not include the test CA.
func TestTLSVerifiedByDefault(t *testing.T) {
	tls := testTLS(t)
	wantRefused(t, newTLSClient(t, "127.0.0.1", tls.port), "certificate problem")
}

func TestTLSUnknownCARefused(t *testing.T) {
	tls := testTLS(t)
	wantRefused(t, newTLSClient(t, "127.0.0.1", tls.port, WithCABundle(tls.otherCA)), "certificate problem")
}

// The bundle replaces the system's CAs rather than adding to them: with the
// test CA made the system's store ($SSL_CERT_FILE), a client without a
// bundle connects, and one whose bundle holds only the other CA is still
// refused.
func TestTLSCABundleTrustedAlone(t *testing.T) {
	tls := testTLS(t)
	env := testServer(t)
	t.Setenv("SSL_CERT_FILE", tls.ca)
	wantAccepted(t, newTLSClient(t, "127.0.0.1", tls.port), env)
	wantRefused(t, newTLSClient(t, "127.0.0.1", tls.port, WithCABundle(tls.otherCA)), "certificate problem")
}

func TestTLSWrongNameRefused(t *testing.T) {
	tls := testTLS(t)
	wantRefused(t, newTLSClient(t, tls.unnamedHost, tls.port, WithCABundle(tls.ca)), tls.unnamedHost)
}

func TestTLSVerifyOff(t *testing.T) {
	tls := testTLS(t)
	env := testServer(t)
	wantAccepted(t, newTLSClient(t, "127.0.0.1", tls.port, WithVerifyTLS(false)), env)
	wantAccepted(t, newTLSClient(t, tls.unnamedHost, tls.port, WithVerifyTLS(false)), env)
}

// COLONIES_SERVER_TLS selects https for a client made from the environment.
func TestTLSFromEnv(t *testing.T) {
	tls := testTLS(t)
	env := testServer(t)
	t.Setenv("COLONIES_SERVER_HOST", "localhost")
	t.Setenv("COLONIES_SERVER_PORT", strconv.Itoa(tls.port))
	t.Setenv("COLONIES_SERVER_TLS", "true")
	c, err := NewClientFromEnv(WithCABundle(tls.ca))
	if err != nil {
		t.Fatalf("NewClientFromEnv: %v", err)
	}
	defer c.Close()
	wantAccepted(t, c, env)
	d, err := NewClientFromEnv()
	if err != nil {
		t.Fatalf("NewClientFromEnv: %v", err)
	}
	defer d.Close()
	wantRefused(t, d, "certificate problem")
}

package colonies

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// serverEnv is the test server's address and keys, from the variables
// `scripts/colonies-server env` prints.
type serverEnv struct {
	host      string
	port      int
	serverKey string // the server owner's private key
}

// testServer reads the server's environment. The test runner always starts
// the server, so a missing variable is a failure, not a reason to skip.
func testServer(t testing.TB) serverEnv {
	t.Helper()
	host := os.Getenv("COLONIES_SERVER_HOST")
	if host == "" {
		t.Fatal(`COLONIES_SERVER_HOST is not set: start the server with scripts/colonies-server start ` +
			`and run eval "$(scripts/colonies-server env)" before go test`)
	}
	port, err := strconv.Atoi(os.Getenv("COLONIES_SERVER_PORT"))
	if err != nil {
		t.Fatalf("COLONIES_SERVER_PORT: %v", err)
	}
	key := os.Getenv("COLONIES_SERVER_PRVKEY")
	if key == "" {
		t.Fatal("COLONIES_SERVER_PRVKEY is not set (see scripts/colonies-server env)")
	}
	return serverEnv{host: host, port: port, serverKey: key}
}

// testCtx is the context of a test's calls: generous enough for any of them,
// but a hung call still ends the test instead of the test binary's timeout.
func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// newTestClient connects to the test server and closes the client when the
// test ends.
func newTestClient(t testing.TB) (*Client, serverEnv) {
	t.Helper()
	env := testServer(t)
	c, err := NewClient(env.host, env.port)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c, env
}

// fixture is a fresh colony with one approved executor, removed (with its
// processes) when the test ends, so tests neither see nor leave each other's
// state.
type fixture struct {
	c            *Client
	ctx          context.Context // for the test's calls (see testCtx)
	env          serverEnv
	colony       string
	colonyKey    string
	executor     string
	executorType string
	executorKey  string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	c, env := newTestClient(t)
	return newFixtureOn(t, c, env)
}

// newFixtureOn is newFixture through a client of the caller's, for the
// server env describes.
func newFixtureOn(t testing.TB, c *Client, env serverEnv) *fixture {
	t.Helper()
	f := &fixture{
		c:            c,
		ctx:          testCtx(t),
		env:          env,
		colony:       "gotest-" + randomHex(t, 6),
		colonyKey:    mustPrvKey(t),
		executor:     "gotest-executor-" + randomHex(t, 4),
		executorType: "gotest-type-" + randomHex(t, 4),
		executorKey:  mustPrvKey(t),
	}
	colonyID := mustID(t, f.colonyKey)
	colony, err := c.AddColony(f.ctx, Colony{ID: colonyID, Name: f.colony}, env.serverKey)
	if err != nil {
		t.Fatalf("AddColony: %v", err)
	}
	if colony == nil || colony.ID != colonyID || colony.Name != f.colony {
		t.Fatalf("AddColony = %+v, want %s named %s", colony, colonyID, f.colony)
	}
	t.Cleanup(func() {
		// Its own context: the test's may be done by now.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.RemoveColony(ctx, f.colony, env.serverKey); err != nil {
			t.Errorf("removing colony %s: %v", f.colony, err)
		}
	})
	executor := Executor{
		ID:         mustID(t, f.executorKey),
		Type:       f.executorType,
		Name:       f.executor,
		ColonyName: f.colony,
	}
	added, err := c.AddExecutor(f.ctx, executor, f.colonyKey)
	if err != nil {
		t.Fatalf("AddExecutor: %v", err)
	}
	if added == nil || added.ID != executor.ID || added.Name != f.executor {
		t.Fatalf("AddExecutor = %+v, want %s named %s", added, executor.ID, f.executor)
	}
	if err := c.ApproveExecutor(f.ctx, f.colony, f.executor, f.colonyKey); err != nil {
		t.Fatalf("ApproveExecutor: %v", err)
	}
	return f
}

// submit submits funcname with args to the fixture's executor type.
func (f *fixture) submit(t testing.TB, funcname string, args ...any) *Process {
	t.Helper()
	return f.submitTo(t, f.executorType, funcname, args...)
}

func (f *fixture) submitTo(t testing.TB, executorType, funcname string, args ...any) *Process {
	t.Helper()
	spec, err := NewFuncSpec(FuncSpecOptions{
		FuncName:     funcname,
		ColonyName:   f.colony,
		ExecutorType: executorType,
		Args:         args,
	})
	if err != nil {
		t.Fatalf("NewFuncSpec: %v", err)
	}
	p, err := f.c.SubmitFuncSpec(f.ctx, spec, f.executorKey)
	if err != nil {
		t.Fatalf("SubmitFuncSpec: %v", err)
	}
	if p == nil || p.ID == "" {
		t.Fatalf("SubmitFuncSpec = %+v, want a process with an id", p)
	}
	return p
}

// processIDs lists the ids of a colony's processes in a state.
func (f *fixture) processIDs(t *testing.T, state int) []string {
	t.Helper()
	ps, err := f.c.GetProcesses(f.ctx, f.colony, 100, state, "", "", "", f.executorKey)
	if err != nil {
		t.Fatalf("GetProcesses(%v): %v", state, err)
	}
	ids := make([]string, len(ps))
	for i, p := range ps {
		if p.State != state {
			t.Errorf("GetProcesses(%v) returned process %s in state %v", state, p.ID, p.State)
		}
		ids[i] = p.ID
	}
	return ids
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func mustPrvKey(t testing.TB) string {
	t.Helper()
	k, err := PrvKey()
	if err != nil {
		t.Fatalf("PrvKey: %v", err)
	}
	return k
}

func mustID(t testing.TB, prvkey string) string {
	t.Helper()
	id, err := ID(prvkey)
	if err != nil {
		t.Fatalf("ID: %v", err)
	}
	return id
}

// wantKind fails unless err is an *Error of kind with a detail message.
func wantKind(t *testing.T, what string, err, kind error) *Error {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("%s: got error %v, want %v", what, err, kind)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: error %v is not an *Error", what, err)
	}
	if e.Message == "" {
		t.Errorf("%s: error %v has no detail message", what, err)
	}
	return e
}

// wantServerError fails unless err is an *Error of kind carrying the
// server's reply: HTTP status status and exactly the server's message.
func wantServerError(t *testing.T, what string, err, kind error, status int, message string) *Error {
	t.Helper()
	e := wantKind(t, what, err, kind)
	if e.HTTPStatus != status {
		t.Errorf("%s: HTTP status %d, want %d (%v)", what, e.HTTPStatus, status, err)
	}
	if want := fmt.Sprintf("server replied %d: %s", status, message); !strings.HasSuffix(e.Message, want) {
		t.Errorf("%s: message %q, want it to end with %q", what, e.Message, want)
	}
	return e
}

// notMember is the server's refusal of a signer that is neither an approved
// executor nor a user of colony (the colony owner included).
func notMember(colony string) string {
	return "Access denied, not a member of Colony with name <" + colony + ">"
}

// wantEmpty fails unless a list call succeeded with an empty, non-nil slice.
func wantEmpty[T any](t *testing.T, what string, list []T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if list == nil || len(list) != 0 {
		t.Errorf("%s = %#v, want an empty, non-nil slice", what, list)
	}
}

// wantRecent fails unless tm is set and within an hour of now: a time the
// server set, decoded.
func wantRecent(t *testing.T, what string, tm time.Time) {
	t.Helper()
	if tm.IsZero() || time.Since(tm).Abs() > time.Hour {
		t.Errorf("%s = %v, want a time the server set just now", what, tm)
	}
}

// spec builds a function spec for the fixture's colony and executor type,
// with opts filling in the rest.
func (f *fixture) spec(t *testing.T, opts FuncSpecOptions) FunctionSpec {
	t.Helper()
	if opts.ColonyName == "" {
		opts.ColonyName = f.colony
	}
	if opts.ExecutorType == "" && opts.ExecutorName == "" && len(opts.ExecutorNames) == 0 {
		opts.ExecutorType = f.executorType
	}
	s, err := NewFuncSpec(opts)
	if err != nil {
		t.Fatalf("NewFuncSpec(%+v): %v", opts, err)
	}
	return s
}

// chain is a workflow of the fixture's colony whose nodes run one after the
// other, each node's funcname being its name.
func (f *fixture) chain(t *testing.T, nodes ...string) WorkflowSpec {
	t.Helper()
	wf := WorkflowSpec{ColonyName: f.colony}
	for i, n := range nodes {
		opts := FuncSpecOptions{FuncName: n, NodeName: n}
		if i > 0 {
			opts.Dependencies = []string{nodes[i-1]}
		}
		wf.FunctionSpecs = append(wf.FunctionSpecs, f.spec(t, opts))
	}
	return wf
}

// assign assigns the fixture's executor a process, failing if none comes.
func (f *fixture) assign(t *testing.T) *Process {
	t.Helper()
	p, err := f.c.AssignProcess(f.ctx, f.colony, 10, "", "", f.executorKey)
	if err != nil {
		t.Fatalf("AssignProcess: %v", err)
	}
	if p == nil || p.State != ProcessRunning || p.AssignedExecutorID != mustID(t, f.executorKey) {
		t.Fatalf("AssignProcess = %+v, want a process running on %s", p, f.executor)
	}
	return p
}

// channelProcess submits a process with the channel "news" and assigns it,
// so that its channel can be appended to and followed.
func (f *fixture) channelProcess(t *testing.T) *Process {
	t.Helper()
	spec := f.spec(t, FuncSpecOptions{FuncName: "chat", Channels: []string{"news"}})
	p, err := f.c.SubmitFuncSpec(f.ctx, spec, f.executorKey)
	if err != nil {
		t.Fatalf("SubmitFuncSpec: %v", err)
	}
	f.assign(t)
	return p
}

// addUser adds a user of the fixture's colony and returns it and its key.
func (f *fixture) addUser(t *testing.T, name string) (*User, string) {
	t.Helper()
	key := mustPrvKey(t)
	want := User{ColonyName: f.colony, ID: mustID(t, key), Name: name, Email: name + "@example.com", Phone: "+46 8 123 45"}
	u, err := f.c.AddUser(f.ctx, want, f.colonyKey)
	if err != nil {
		t.Fatalf("AddUser: %v", err)
	}
	if u == nil || *u != want {
		t.Fatalf("AddUser = %+v, want %+v", u, want)
	}
	return u, key
}

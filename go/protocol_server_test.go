package colonies

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The server group: version, info, statistics, cluster.
func TestProtocolServer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, ctx, env := f.c, f.ctx, f.env

	v, err := c.Version(ctx, "ignored", "ignored")
	if err != nil {
		t.Fatalf("Version: %v", err)
	}
	if v == nil || v.MsgType != "versionmsg" {
		t.Errorf("Version = %+v, want msgtype versionmsg", v)
	}

	info, err := c.GetServerInfo(ctx)
	if err != nil {
		t.Fatalf("GetServerInfo: %v", err)
	}
	if info == nil || info.BuildVersion == "" || len(info.Backends) == 0 {
		t.Fatalf("GetServerInfo = %+v, want a build version and backends", info)
	}
	if _, err := time.Parse(time.RFC3339, info.BuildTime); err != nil {
		t.Errorf("GetServerInfo build time %q: %v", info.BuildTime, err)
	}
	if b := info.Backends[0]; b.Type != "http" || b.Port != env.port || b.Host != env.host || b.TLS {
		t.Errorf("GetServerInfo backend = %+v, want http on %s:%d without TLS", b, env.host, env.port)
	}

	f.submit(t, "counted")
	stats, err := c.GetStatistics(ctx, env.serverKey)
	if err != nil {
		t.Fatalf("GetStatistics: %v", err)
	}
	if stats == nil || stats.Colonies < 1 || stats.Executors < 1 || stats.WaitingProcesses < 1 {
		t.Errorf("GetStatistics = %+v, want at least this test's colony, executor and process", stats)
	}
	_, err = c.GetStatistics(ctx, f.colonyKey)
	wantServerError(t, "GetStatistics by a colony owner", err, ErrForbidden, 403, "Access denied, not server owner")

	cluster, err := c.GetCluster(ctx, env.serverKey)
	if err != nil {
		t.Fatalf("GetCluster: %v", err)
	}
	if cluster == nil || len(cluster.Nodes) == 0 || !slices.Contains(cluster.Nodes, cluster.Leader) {
		t.Fatalf("GetCluster = %+v, want nodes that include the leader", cluster)
	}
	if l := cluster.Leader; l.Name == "" || l.Host == "" || l.APIPort != env.port ||
		l.EtcdClientPort == 0 || l.EtcdPeerPort == 0 || l.RelayPort == 0 {
		t.Errorf("GetCluster leader = %+v, want a named node with its API port %d and etcd and relay ports", l, env.port)
	}
	_, err = c.GetCluster(ctx, f.executorKey)
	wantServerError(t, "GetCluster by an executor", err, ErrForbidden, 403, "Access denied, not server owner")
}

// Call runs any operation by its registry name, checked and shaped like the
// generated methods; Send sends any message type as it is.
func TestProtocolCallAndSend(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, ctx := f.c, f.ctx

	// A typed reply, through Call, with parameters from a struct.
	raw, err := c.Call(ctx, "get_colony", struct {
		ColonyName string `json:"colonyname"`
	}{f.colony}, f.executorKey)
	if err != nil {
		t.Fatalf("Call get_colony: %v", err)
	}
	var colony Colony
	if err := json.Unmarshal(raw, &colony); err != nil || colony != (Colony{ID: mustID(t, f.colonyKey), Name: f.colony}) {
		t.Errorf("Call get_colony = %s (%v)", raw, err)
	}

	// An empty list is [] through Call, but Send gives the server's own payload.
	raw, err = c.Call(ctx, "get_locations", map[string]any{"colonyname": f.colony}, f.executorKey)
	if err != nil || string(raw) != "[]" {
		t.Errorf("Call get_locations = %s, %v; want []", raw, err)
	}
	raw, err = c.Send(ctx, "getlocationsmsg", map[string]any{"colonyname": f.colony}, f.executorKey)
	if err != nil || string(raw) != "null" {
		t.Errorf("Send getlocationsmsg = %s, %v; want the server's null", raw, err)
	}

	// An operation that replies nothing gives null.
	loc := Location{ID: "loc-" + randomHex(t, 4), Name: "call-lab", ColonyName: f.colony}
	if _, err := c.AddLocation(ctx, loc, f.colonyKey); err != nil {
		t.Fatalf("AddLocation: %v", err)
	}
	raw, err = c.Call(ctx, "remove_location", map[string]any{"colonyname": f.colony, "name": loc.Name}, f.colonyKey)
	if err != nil || string(raw) != "null" {
		t.Errorf("Call remove_location = %s, %v; want null", raw, err)
	}

	// A list reply through Send, decoded.
	p := f.submit(t, "sent")
	raw, err = c.Send(ctx, "getprocessesmsg", map[string]any{"colonyname": f.colony, "count": 10, "state": ProcessWaiting}, f.executorKey)
	if err != nil {
		t.Fatalf("Send getprocessesmsg: %v", err)
	}
	var ps []Process
	if err := json.Unmarshal(raw, &ps); err != nil || len(ps) != 1 || ps[0].ID != p.ID {
		t.Errorf("Send getprocessesmsg = %s (%v), want [%s]", raw, err, p.ID)
	}

	// Call checks the parameters against the registry before sending.
	_, err = c.Call(ctx, "get_processes", map[string]any{"colonyname": f.colony, "count": 101, "state": 0}, f.executorKey)
	if e := wantKind(t, "Call get_processes with count 101", err, ErrInvalidArgument); e.HTTPStatus != 0 {
		t.Errorf("Call get_processes with count 101 was sent: HTTP %d", e.HTTPStatus)
	}
	_, err = c.Call(ctx, "get_colony", map[string]any{"colonyname": f.colony, "bogus": 1}, f.executorKey)
	wantKind(t, "Call with an unknown parameter", err, ErrInvalidArgument)
	_, err = c.Call(ctx, "no_such_operation", nil, f.executorKey)
	wantKind(t, "Call of an unknown operation", err, ErrInvalidArgument)

	// Send does not check: the server refuses a message type it does not know.
	_, err = c.Send(ctx, "nosuchmsg", nil, f.executorKey)
	wantServerError(t, "Send nosuchmsg", err, ErrForbidden, 403, "invalid rpcMsg.PayloadType: nosuchmsg")
}

// privateServerEnv is the environment of the private server instance that
// TestProtocolChangeIDs runs, so that the shared server's id is never
// changed.
var privateServerEnv = []string{
	"COLONIES_STATE_DIR=/tmp/libcolonies-server-gotest",
	"COLONIES_SERVER_PORT=30280",
	"COLONIES_TEST_DB_PORT=30632",
}

// serverScript runs scripts/colonies-server with args in the private
// server's environment and returns its standard output.
func serverScript(t *testing.T, args ...string) (string, error) {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("..", "scripts", "colonies-server"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(script, args...)
	cmd.Env = append(os.Environ(), privateServerEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("scripts/colonies-server %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// startPrivateServer starts the private server instance, stopped when the
// test ends, and returns its address and server key as
// `scripts/colonies-server env` gives them.
func startPrivateServer(t *testing.T) serverEnv {
	t.Helper()
	if _, err := serverScript(t, "start"); err != nil {
		// Its ports lie in the kernel's ephemeral range, so an outgoing
		// connection (even the server's own, to its database) can hold one
		// of them just as the server binds it. Once more, then it fails.
		t.Logf("starting the private server failed, trying once more: %v", err)
		serverScript(t, "stop")
		if _, err := serverScript(t, "start"); err != nil {
			t.Fatalf("starting the private server: %v", err)
		}
	}
	t.Cleanup(func() {
		if _, err := serverScript(t, "stop"); err != nil {
			t.Errorf("stopping the private server: %v", err)
		}
	})
	out, err := serverScript(t, "env")
	if err != nil {
		t.Fatalf("reading the private server's environment: %v", err)
	}
	vars := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "="); ok {
			vars[k] = v
		}
	}
	port, err := strconv.Atoi(vars["COLONIES_SERVER_PORT"])
	env := serverEnv{host: vars["COLONIES_SERVER_HOST"], port: port, serverKey: vars["COLONIES_SERVER_PRVKEY"]}
	if err != nil || port != 30280 || env.host == "" || env.serverKey == "" || mustID(t, env.serverKey) != vars["COLONIES_SERVER_ID"] {
		t.Fatalf("the private server's environment is %q", out)
	}
	return env
}

// The calls that change identities run on a private server instance: the
// server id must not change on the shared server, and the server (v1.9.12)
// leaks a database connection on every ChangeColonyID, ChangeExecutorID and
// ChangeUserID (its UPDATE goes through db.Query and the rows are never
// closed), so that about a hundred of them leave the shared server unable to
// answer any call that reads its database. Stopping the private server
// drops what leaked.
func TestProtocolChangeIDs(t *testing.T) {
	env := startPrivateServer(t)
	// newFixture reads the server from the environment: the private one,
	// for this test's subtests (none of which is parallel).
	t.Setenv("COLONIES_SERVER_HOST", env.host)
	t.Setenv("COLONIES_SERVER_PORT", strconv.Itoa(env.port))
	t.Setenv("COLONIES_SERVER_PRVKEY", env.serverKey)

	t.Run("ChangeColonyID", testChangeColonyID)
	t.Run("ChangeExecutorID", testChangeExecutorID)
	t.Run("ChangeUserID", testChangeUserID)
	t.Run("ChangeServerID", func(t *testing.T) { testChangeServerID(t, env) })
}

// testChangeServerID makes another key the server owner's, checks that the
// old key is refused and the new one is not, and changes it back.
func testChangeServerID(t *testing.T, env serverEnv) {
	c, err := NewClient(env.host, env.port)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	ctx := testCtx(t)
	oldKey := env.serverKey
	oldID := mustID(t, oldKey)

	if _, err := c.GetStatistics(ctx, oldKey); err != nil {
		t.Fatalf("GetStatistics with the server key before the change: %v", err)
	}
	newKey := mustPrvKey(t)
	newID := mustID(t, newKey)
	if err := c.ChangeServerID(ctx, newID, oldKey); err != nil {
		t.Fatalf("ChangeServerID: %v", err)
	}
	restored := false
	t.Cleanup(func() {
		if restored {
			return
		}
		// Leave the private server as it was even when the test failed.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.ChangeServerID(ctx, oldID, newKey); err != nil {
			t.Errorf("restoring the private server's id: %v", err)
		}
	})

	_, err = c.GetStatistics(ctx, oldKey)
	wantServerError(t, "GetStatistics with the old server key", err, ErrForbidden, 403, "Access denied, not server owner")
	stats, err := c.GetStatistics(ctx, newKey)
	if err != nil || stats == nil || stats.Colonies < 1 {
		t.Errorf("GetStatistics with the new server key = %+v, %v; want the colony dev at least", stats, err)
	}
	colonies, err := c.GetColonies(ctx, newKey)
	if err != nil || !slices.ContainsFunc(colonies, func(c Colony) bool { return c.Name == "dev" }) {
		t.Errorf("GetColonies with the new server key = %+v, %v; want dev", colonies, err)
	}

	// The old key can no longer change it back; the new one can.
	err = c.ChangeServerID(ctx, oldID, oldKey)
	wantServerError(t, "ChangeServerID with the old key", err, ErrForbidden, 403, "Access denied, not server owner")
	if err := c.ChangeServerID(ctx, oldID, newKey); err != nil {
		t.Fatalf("ChangeServerID back: %v", err)
	}
	restored = true
	if _, err := c.GetStatistics(ctx, oldKey); err != nil {
		t.Errorf("GetStatistics with the restored server key: %v", err)
	}
	_, err = c.GetStatistics(ctx, newKey)
	wantServerError(t, "GetStatistics with the key changed back from", err, ErrForbidden, 403, "Access denied, not server owner")
}

package colonies

import (
	"testing"
)

func TestProtocolLogs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	tag := randomHex(t, 6)
	f.submit(t, "logging")
	p := f.assign(t)

	logs, err := c.GetLogs(ctx, f.colony, p.ID, "", 10, 0, false, f.executorKey)
	wantEmpty(t, "GetLogs of a process without logs", logs, err)

	for _, m := range []string{"one " + tag, "two " + tag} {
		if err := c.AddLog(ctx, p.ID, m, f.executorKey); err != nil {
			t.Fatalf("AddLog(%q): %v", m, err)
		}
	}
	logs, err = c.GetLogs(ctx, f.colony, p.ID, "", 10, 0, false, f.executorKey)
	if err != nil || len(logs) != 2 {
		t.Fatalf("GetLogs = %+v, %v; want two lines", logs, err)
	}
	for i, m := range []string{"one " + tag, "two " + tag} {
		l := logs[i]
		if l.Message != m || l.ProcessID != p.ID || l.ColonyName != f.colony || l.ExecutorName != f.executor {
			t.Errorf("log %d = %+v, want %q of %s by %s", i, l, m, p.ID, f.executor)
		}
	}
	// Unix nanoseconds: beyond a double's exact integers, so they show
	// whether an int64 survives the trip both ways.
	if logs[0].Timestamp < 1<<53 || logs[1].Timestamp <= logs[0].Timestamp {
		t.Fatalf("log timestamps %d, %d are not increasing Unix nanoseconds", logs[0].Timestamp, logs[1].Timestamp)
	}
	since := logs[1].Timestamp - 1
	after, err := c.GetLogs(ctx, f.colony, p.ID, "", 10, since, false, f.executorKey)
	if err != nil || len(after) != 1 || after[0] != logs[1] {
		t.Errorf("GetLogs since %d = %+v, %v; want only %+v", since, after, err, logs[1])
	}
	after, err = c.GetLogs(ctx, f.colony, p.ID, "", 10, logs[1].Timestamp, false, f.executorKey)
	wantEmpty(t, "GetLogs since the last line's timestamp", after, err)
	latest, err := c.GetLogs(ctx, f.colony, p.ID, "", 1, 0, true, f.executorKey)
	if err != nil || len(latest) != 1 || latest[0] != logs[1] {
		t.Errorf("GetLogs latest 1 = %+v, %v; want %+v", latest, err, logs[1])
	}

	if err := c.AddExecutorLog(ctx, f.colony, f.executor, "own "+tag, f.executorKey); err != nil {
		t.Fatalf("AddExecutorLog: %v", err)
	}
	byExecutor, err := c.GetLogs(ctx, f.colony, "", f.executor, 10, 0, false, f.executorKey)
	if err != nil || len(byExecutor) != 3 {
		t.Fatalf("GetLogs by executor = %+v, %v; want three lines", byExecutor, err)
	}
	if own := byExecutor[2]; own.Message != "own "+tag || own.ProcessID != "" || own.ExecutorName != f.executor ||
		own.ColonyName != f.colony || own.Timestamp <= logs[1].Timestamp {
		t.Errorf("the executor's own log line = %+v", own)
	}

	found, err := c.SearchLogs(ctx, f.colony, "two "+tag, 1, 10, f.executorKey)
	if err != nil || len(found) != 1 || found[0] != logs[1] {
		t.Errorf("SearchLogs = %+v, %v; want [%+v]", found, err, logs[1])
	}
	found, err = c.SearchLogs(ctx, f.colony, tag, 1, 2, f.executorKey)
	if err != nil || len(found) != 2 {
		t.Errorf("SearchLogs with count 2 = %+v, %v; want two lines", found, err)
	}
	found, err = c.SearchLogs(ctx, f.colony, "absent "+tag, 1, 10, f.executorKey)
	wantEmpty(t, "SearchLogs of absent text", found, err)

	err = c.AddLog(ctx, p.ID, "not mine", f.colonyKey)
	wantServerError(t, "AddLog by the colony owner", err, ErrForbidden, 403, notMember(f.colony))
}

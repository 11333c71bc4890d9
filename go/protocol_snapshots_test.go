package colonies

import (
	"testing"
)

func TestProtocolSnapshots(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, ctx := f.c, f.ctx

	snaps, err := c.GetSnapshots(ctx, f.colony, f.executorKey)
	wantEmpty(t, "GetSnapshots of a new colony", snaps, err)

	var fileIDs []string
	for _, file := range []File{
		{ColonyName: f.colony, Label: "/data", Name: "a.txt", Size: 1},
		{ColonyName: f.colony, Label: "/data/sub", Name: "b.txt", Size: 2},
	} {
		added, err := c.AddFile(ctx, file, f.executorKey)
		if err != nil || added == nil || added.ID == "" {
			t.Fatalf("AddFile(%s) = %+v, %v", file.Name, added, err)
		}
		fileIDs = append(fileIDs, added.ID)
	}

	// A snapshot records the latest file of every name under the label and
	// its sub-labels.
	snap, err := c.CreateSnapshot(ctx, f.colony, "/data", "first", f.executorKey)
	if err != nil || snap == nil {
		t.Fatalf("CreateSnapshot = %+v, %v", snap, err)
	}
	if snap.ID == "" || snap.ColonyName != f.colony || snap.Label != "/data" || snap.Name != "first" || !sameSet(snap.FileIDs, fileIDs) {
		t.Errorf("CreateSnapshot = %+v, want files %v", snap, fileIDs)
	}
	wantRecent(t, "snapshot added", snap.Added)
	sub, err := c.CreateSnapshot(ctx, f.colony, "/data/sub", "second", f.executorKey)
	if err != nil || sub == nil || !sameSet(sub.FileIDs, fileIDs[1:]) {
		t.Errorf("CreateSnapshot of the sub-label = %+v, %v; want file %v", sub, err, fileIDs[1:])
	}
	_, err = c.CreateSnapshot(ctx, f.colony, "/data", "first", f.executorKey)
	wantServerError(t, "CreateSnapshot of a taken name", err, ErrServer, 500, "Snapshot with name <first> in Colony <"+f.colony+"> already exists")

	for _, byID := range []bool{true, false} {
		id, name := snap.ID, ""
		if !byID {
			id, name = "", snap.Name
		}
		got, err := c.GetSnapshot(ctx, f.colony, id, name, f.executorKey)
		if err != nil || got == nil || got.ID != snap.ID || got.Name != "first" || got.Label != "/data" ||
			!sameSet(got.FileIDs, fileIDs) || got.Added.Sub(snap.Added).Abs().Milliseconds() > 1 {
			t.Errorf("GetSnapshot(id %q, name %q) = %+v, %v; want %+v", id, name, got, err, snap)
		}
	}
	snaps, err = c.GetSnapshots(ctx, f.colony, f.executorKey)
	if err != nil || len(snaps) != 2 || !sameSet([]string{snaps[0].ID, snaps[1].ID}, []string{snap.ID, sub.ID}) {
		t.Errorf("GetSnapshots = %+v, %v", snaps, err)
	}

	// By id, then by name.
	if err := c.RemoveSnapshot(ctx, f.colony, snap.ID, "", f.executorKey); err != nil {
		t.Fatalf("RemoveSnapshot by id: %v", err)
	}
	_, err = c.GetSnapshot(ctx, f.colony, snap.ID, "", f.executorKey)
	wantServerError(t, "GetSnapshot of a removed snapshot", err, ErrNotFound, 500,
		"Snapshot not found with Id <"+snap.ID+"> in Colony <"+f.colony+"> does not exists")
	if err := c.RemoveSnapshot(ctx, f.colony, "", "second", f.executorKey); err != nil {
		t.Fatalf("RemoveSnapshot by name: %v", err)
	}
	_, err = c.GetSnapshot(ctx, f.colony, "", "second", f.executorKey)
	wantServerError(t, "GetSnapshot by the name of a removed snapshot", err, ErrNotFound, 500,
		"Snapshot not found with name <second> in Colony <"+f.colony+"> does not exists")

	// A label without files gives a snapshot without files.
	empty, err := c.CreateSnapshot(ctx, f.colony, "/nothing", "empty", f.executorKey)
	if err != nil || empty == nil || empty.ID == "" || len(empty.FileIDs) != 0 {
		t.Errorf("CreateSnapshot of an empty label = %+v, %v", empty, err)
	}
	if _, err := c.CreateSnapshot(ctx, f.colony, "/data", "third", f.executorKey); err != nil {
		t.Fatalf("CreateSnapshot: %v", err)
	}
	if err := c.RemoveAllSnapshot(ctx, f.colony, f.executorKey); err != nil {
		t.Fatalf("RemoveAllSnapshot: %v", err)
	}
	snaps, err = c.GetSnapshots(ctx, f.colony, f.executorKey)
	wantEmpty(t, "GetSnapshots after RemoveAllSnapshot", snaps, err)
	// The files stay.
	files, err := c.GetFiles(ctx, "/data", f.colony, f.executorKey)
	if err != nil || len(files) != 1 || files[0].Name != "a.txt" {
		t.Errorf("GetFiles after RemoveAllSnapshot = %+v, %v", files, err)
	}
}

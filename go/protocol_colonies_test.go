package colonies

import (
	"context"
	"slices"
	"testing"
	"time"
)

func TestProtocolColonies(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, ctx := f.c, f.ctx

	otherKey := mustPrvKey(t)
	other := Colony{ID: mustID(t, otherKey), Name: f.colony + "-other"}
	added, err := c.AddColony(ctx, other, f.env.serverKey)
	if err != nil || added == nil || *added != other {
		t.Fatalf("AddColony = %+v, %v; want %+v", added, err, other)
	}
	removed := false
	t.Cleanup(func() {
		if !removed {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c.RemoveColony(ctx, other.Name, f.env.serverKey)
		}
	})

	mine := Colony{ID: mustID(t, f.colonyKey), Name: f.colony}
	all, err := c.GetColonies(ctx, f.env.serverKey)
	if err != nil || !slices.Contains(all, mine) || !slices.Contains(all, other) {
		t.Errorf("GetColonies = %+v, %v; want %+v and %+v in it", all, err, mine, other)
	}
	_, err = c.GetColonies(ctx, f.colonyKey)
	wantServerError(t, "GetColonies by a colony owner", err, ErrForbidden, 403, "Access denied, not server owner")

	got, err := c.GetColony(ctx, f.colony, f.executorKey)
	if err != nil || got == nil || *got != mine {
		t.Errorf("GetColony = %+v, %v; want %+v", got, err, mine)
	}
	// The server asks for membership, which the colony's owner does not have.
	_, err = c.GetColony(ctx, f.colony, f.colonyKey)
	wantServerError(t, "GetColony by the colony owner", err, ErrForbidden, 403, notMember(f.colony))

	f.submit(t, "one")
	f.submit(t, "two")
	stats, err := c.GetColonyStats(ctx, f.colony, f.executorKey)
	if err != nil {
		t.Fatalf("GetColonyStats: %v", err)
	}
	want := Statistics{Colonies: 1, Executors: 1, ActiveExecutors: 1, WaitingProcesses: 2}
	if stats == nil || *stats != want {
		t.Errorf("GetColonyStats = %+v, want %+v", stats, want)
	}
	// The server refuses the owner with an empty 200 reply.
	_, err = c.GetColonyStats(ctx, f.colony, f.colonyKey)
	if e := wantKind(t, "GetColonyStats by the colony owner", err, ErrForbidden); e.HTTPStatus != 200 {
		t.Errorf("GetColonyStats by the colony owner: HTTP %d, want the server's empty 200", e.HTTPStatus)
	}

	if err := c.RemoveColony(ctx, other.Name, f.env.serverKey); err != nil {
		t.Fatalf("RemoveColony: %v", err)
	}
	removed = true
	all, err = c.GetColonies(ctx, f.env.serverKey)
	if err != nil || slices.Contains(all, other) || !slices.Contains(all, mine) {
		t.Errorf("GetColonies after RemoveColony = %+v, %v", all, err)
	}
	err = c.RemoveColony(ctx, other.Name, f.env.serverKey)
	wantServerError(t, "RemoveColony twice", err, ErrNotFound, 400, "Colony with name <"+other.Name+"> not found")
}

// testChangeColonyID makes another key the owner's, in a colony of its own,
// and changes it back. It runs on the private server (see
// TestProtocolChangeIDs).
func testChangeColonyID(t *testing.T) {
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	oldID := mustID(t, f.colonyKey)
	newKey := mustPrvKey(t)
	newID := mustID(t, newKey)

	if err := c.ChangeColonyID(ctx, f.colony, newID, f.colonyKey); err != nil {
		t.Fatalf("ChangeColonyID: %v", err)
	}
	restored := false
	t.Cleanup(func() {
		if !restored {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := c.ChangeColonyID(ctx, f.colony, oldID, newKey); err != nil {
				t.Errorf("restoring the colony id: %v", err)
			}
		}
	})
	got, err := c.GetColony(ctx, f.colony, f.executorKey)
	if err != nil || got == nil || got.ID != newID {
		t.Errorf("GetColony after ChangeColonyID = %+v, %v; want id %s", got, err, newID)
	}

	loc := Location{ID: "loc-" + randomHex(t, 4), Name: "owned", ColonyName: f.colony}
	_, err = c.AddLocation(ctx, loc, f.colonyKey)
	wantServerError(t, "AddLocation with the old owner key", err, ErrForbidden, 403, "Access denied, not colony owner")
	if added, err := c.AddLocation(ctx, loc, newKey); err != nil || added == nil || *added != loc {
		t.Errorf("AddLocation with the new owner key = %+v, %v", added, err)
	}

	if err := c.ChangeColonyID(ctx, f.colony, oldID, newKey); err != nil {
		t.Fatalf("ChangeColonyID back: %v", err)
	}
	restored = true
	got, err = c.GetColony(ctx, f.colony, f.executorKey)
	if err != nil || got == nil || got.ID != oldID {
		t.Errorf("GetColony after changing back = %+v, %v; want id %s", got, err, oldID)
	}
	if err := c.RemoveLocation(ctx, f.colony, loc.Name, f.colonyKey); err != nil {
		t.Errorf("RemoveLocation with the restored owner key: %v", err)
	}
	_, err = c.AddLocation(ctx, loc, newKey)
	wantServerError(t, "AddLocation with the key changed back from", err, ErrForbidden, 403, "Access denied, not colony owner")
}

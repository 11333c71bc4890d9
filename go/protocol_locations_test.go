package colonies

import (
	"testing"
)

func TestProtocolLocations(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, ctx := f.c, f.ctx

	locs, err := c.GetLocations(ctx, f.colony, f.executorKey)
	wantEmpty(t, "GetLocations of a new colony", locs, err)

	want := Location{ID: "loc-" + randomHex(t, 8), Name: "stockholm", ColonyName: f.colony, Description: "Lab, floor 2", Long: 18.0686, Lat: 59.3293}
	loc, err := c.AddLocation(ctx, want, f.colonyKey)
	if err != nil || loc == nil || *loc != want {
		t.Fatalf("AddLocation = %+v, %v; want %+v", loc, err, want)
	}
	_, err = c.AddLocation(ctx, Location{ID: "x", Name: "elsewhere", ColonyName: f.colony}, f.executorKey)
	wantServerError(t, "AddLocation by an executor", err, ErrForbidden, 403, "Access denied, not colony owner")

	got, err := c.GetLocation(ctx, f.colony, want.Name, f.executorKey)
	if err != nil || got == nil || *got != want {
		t.Errorf("GetLocation = %+v, %v; want %+v", got, err, want)
	}
	_, err = c.GetLocation(ctx, f.colony, want.Name, f.colonyKey)
	wantServerError(t, "GetLocation by the colony owner", err, ErrForbidden, 403, notMember(f.colony))
	locs, err = c.GetLocations(ctx, f.colony, f.executorKey)
	if err != nil || len(locs) != 1 || locs[0] != want {
		t.Errorf("GetLocations = %+v, %v; want [%+v]", locs, err, want)
	}

	// An executor at the location.
	key := mustPrvKey(t)
	e, err := c.AddExecutor(ctx, Executor{ID: mustID(t, key), Type: f.executorType, Name: f.executor + "-at", ColonyName: f.colony, LocationName: want.Name}, f.colonyKey)
	if err != nil || e == nil || e.LocationName != want.Name {
		t.Errorf("AddExecutor at a location = %+v, %v", e, err)
	}

	if err := c.RemoveLocation(ctx, f.colony, want.Name, f.colonyKey); err != nil {
		t.Fatalf("RemoveLocation: %v", err)
	}
	_, err = c.GetLocation(ctx, f.colony, want.Name, f.executorKey)
	wantServerError(t, "GetLocation of a removed location", err, ErrNotFound, 404, "Failed to get location, location is nil")
	err = c.RemoveLocation(ctx, f.colony, want.Name, f.colonyKey)
	wantServerError(t, "RemoveLocation twice", err, ErrNotFound, 400, "Location with name <"+want.Name+"> not found")
	locs, err = c.GetLocations(ctx, f.colony, f.executorKey)
	wantEmpty(t, "GetLocations after RemoveLocation", locs, err)
}

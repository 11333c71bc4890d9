package colonies

import (
	"context"
	"testing"
	"time"
)

func TestProtocolUsers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, ctx := f.c, f.ctx

	users, err := c.GetUsers(ctx, f.colony, f.executorKey)
	wantEmpty(t, "GetUsers of a new colony", users, err)

	alice, aliceKey := f.addUser(t, "alice")
	_, err = c.AddUser(ctx, User{ColonyName: f.colony, ID: mustID(t, mustPrvKey(t)), Name: "mallory"}, f.executorKey)
	wantServerError(t, "AddUser by an executor", err, ErrForbidden, 403, "Access denied, not colony owner")

	// The colony owner is not a member: the server refuses it.
	_, err = c.GetUsers(ctx, f.colony, f.colonyKey)
	wantServerError(t, "GetUsers by the colony owner", err, ErrForbidden, 403, notMember(f.colony))
	_, err = c.GetUser(ctx, f.colony, alice.Name, f.colonyKey)
	wantServerError(t, "GetUser by the colony owner", err, ErrForbidden, 403, notMember(f.colony))
	_, err = c.GetUserByID(ctx, f.colony, alice.ID, f.colonyKey)
	wantServerError(t, "GetUserByID by the colony owner", err, ErrForbidden, 403, notMember(f.colony))

	// Members may: the user itself, and an executor.
	for who, key := range map[string]string{"the user": aliceKey, "an executor": f.executorKey} {
		users, err := c.GetUsers(ctx, f.colony, key)
		if err != nil || len(users) != 1 || users[0] != *alice {
			t.Errorf("GetUsers by %s = %+v, %v; want [%+v]", who, users, err, *alice)
		}
		u, err := c.GetUser(ctx, f.colony, alice.Name, key)
		if err != nil || u == nil || *u != *alice {
			t.Errorf("GetUser by %s = %+v, %v; want %+v", who, u, err, *alice)
		}
		u, err = c.GetUserByID(ctx, f.colony, alice.ID, key)
		if err != nil || u == nil || *u != *alice {
			t.Errorf("GetUserByID by %s = %+v, %v; want %+v", who, u, err, *alice)
		}
	}
	// A user may submit, as a member.
	p, err := c.SubmitFuncSpec(ctx, f.spec(t, FuncSpecOptions{FuncName: "by-user"}), aliceKey)
	if err != nil || p.InitiatorID != alice.ID || p.InitiatorName != alice.Name {
		t.Errorf("SubmitFuncSpec by a user = %+v, %v", p, err)
	}

	_, err = c.GetUser(ctx, f.colony, "nobody", f.executorKey)
	wantServerError(t, "GetUser of an unknown name", err, ErrNotFound, 500, "Failed to get user, user is nil")
	_, err = c.GetUserByID(ctx, f.colony, mustID(t, mustPrvKey(t)), f.executorKey)
	wantServerError(t, "GetUserByID of an unknown id", err, ErrNotFound, 404, "Failed to get user by ID, user is nil")

	if err := c.RemoveUser(ctx, f.colony, alice.Name, f.colonyKey); err != nil {
		t.Fatalf("RemoveUser: %v", err)
	}
	users, err = c.GetUsers(ctx, f.colony, f.executorKey)
	wantEmpty(t, "GetUsers after RemoveUser", users, err)
	err = c.RemoveUser(ctx, f.colony, alice.Name, f.colonyKey)
	wantServerError(t, "RemoveUser twice", err, ErrNotFound, 400, "User with name <alice> not found")
}

// testChangeUserID gives a user another key, and back. It runs on the
// private server (see TestProtocolChangeIDs).
func testChangeUserID(t *testing.T) {
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	bob, oldKey := f.addUser(t, "bob")
	newKey := mustPrvKey(t)
	newID := mustID(t, newKey)

	if err := c.ChangeUserID(ctx, f.colony, newID, oldKey); err != nil {
		t.Fatalf("ChangeUserID: %v", err)
	}
	restored := false
	t.Cleanup(func() {
		if !restored {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := c.ChangeUserID(ctx, f.colony, bob.ID, newKey); err != nil {
				t.Errorf("restoring the user id: %v", err)
			}
		}
	})
	_, err := c.GetUser(ctx, f.colony, bob.Name, oldKey)
	wantServerError(t, "GetUser with the user's old key", err, ErrForbidden, 403, notMember(f.colony))
	u, err := c.GetUser(ctx, f.colony, bob.Name, newKey)
	want := *bob
	want.ID = newID
	if err != nil || u == nil || *u != want {
		t.Errorf("GetUser with the new key = %+v, %v; want %+v", u, err, want)
	}
	// Only a user may: an executor is refused.
	err = c.ChangeUserID(ctx, f.colony, mustID(t, mustPrvKey(t)), f.executorKey)
	wantServerError(t, "ChangeUserID by an executor", err, ErrServer, 400, "Failed to change user Id, user not found")

	if err := c.ChangeUserID(ctx, f.colony, bob.ID, newKey); err != nil {
		t.Fatalf("ChangeUserID back: %v", err)
	}
	restored = true
	u, err = c.GetUserByID(ctx, f.colony, bob.ID, oldKey)
	if err != nil || u == nil || *u != *bob {
		t.Errorf("GetUserByID with the restored key = %+v, %v; want %+v", u, err, *bob)
	}
	_, err = c.GetUser(ctx, f.colony, bob.Name, newKey)
	wantServerError(t, "GetUser with the key changed back from", err, ErrForbidden, 403, notMember(f.colony))
}

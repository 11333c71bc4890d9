"""Protocol group "users": add_user, get_users, get_user, get_user_by_id,
remove_user and change_user_id, against the real server.

The server refuses get_users, get_user and get_user_by_id to the colony's
owner (it is not a member); the tests check that refusal exactly and make
the same calls with keys that are allowed: an executor's and a user's.
"""

import pytest

from colonies import ForbiddenError, NotFoundError, ServerError, User
from conftest import assert_refused, not_a_member, unique


@pytest.fixture
def user(client, colony, crypto):
    key = crypto.prvkey()
    added = client.add_user({"colonyname": colony.name, "userid": crypto.id(key),
                             "name": unique("user"), "email": "ada@example.org",
                             "phone": "+46 70 000"}, colony.prvkey)
    return added, key


def test_add_user(client, colony, crypto, user):
    added, key = user
    assert isinstance(added, User)
    assert (added.colonyname, added.userid, added.email, added.phone) == (
        colony.name, crypto.id(key), "ada@example.org", "+46 70 000")
    with pytest.raises(ServerError) as e:
        client.add_user({"colonyname": colony.name, "userid": crypto.id(crypto.prvkey()),
                         "name": added.name}, colony.prvkey)
    assert_refused(e, "addusermsg", 400, f"A user with name <{added.name}> already exists in "
                   f"Colony with name <{colony.name}>")
    with pytest.raises(ForbiddenError) as e:
        client.add_user({"colonyname": colony.name, "userid": crypto.id(crypto.prvkey()),
                         "name": unique("user")}, key)
    assert_refused(e, "addusermsg", 403, "Access denied, not colony owner")


def test_owner_is_refused_the_user_reads(client, colony, user):
    added, _ = user
    with pytest.raises(ForbiddenError) as e:
        client.get_users(colony.name, colony.prvkey)
    assert_refused(e, "getusersmsg", 403, not_a_member(colony.name))
    with pytest.raises(ForbiddenError) as e:
        client.get_user(colony.name, added.name, colony.prvkey)
    assert_refused(e, "getusermsg", 403, not_a_member(colony.name))
    with pytest.raises(ForbiddenError) as e:
        client.get_user_by_id(colony.name, added.userid, colony.prvkey)
    assert_refused(e, "getuserbyidmsg", 403, not_a_member(colony.name))


@pytest.mark.parametrize("reader", ["executor", "user"])
def test_members_read_users(client, colony, executor, user, reader):
    added, user_key = user
    key = executor.prvkey if reader == "executor" else user_key
    users = client.get_users(colony.name, key)
    assert users == [added] and isinstance(users[0], User)
    got = client.get_user(colony.name, added.name, key)
    assert isinstance(got, User) and got == added
    got = client.get_user_by_id(colony.name, added.userid, key)
    assert isinstance(got, User) and got == added


def test_user_misses(client, colony, executor):
    assert client.get_users(colony.name, executor.prvkey) == []
    with pytest.raises(NotFoundError) as e:
        client.get_user(colony.name, "no-such-user", executor.prvkey)
    assert_refused(e, "getusermsg", 500, "Failed to get user, user is nil")
    with pytest.raises(NotFoundError) as e:
        client.get_user_by_id(colony.name, "0" * 64, executor.prvkey)
    assert_refused(e, "getuserbyidmsg", 404, "Failed to get user by ID, user is nil")


def test_remove_user(client, colony, executor, user):
    added, key = user
    assert client.remove_user(colony.name, added.name, colony.prvkey) == {}
    assert client.get_users(colony.name, executor.prvkey) == []
    with pytest.raises(ForbiddenError):  # the key is nobody's now
        client.get_colony(colony.name, key)
    with pytest.raises(NotFoundError) as e:
        client.remove_user(colony.name, added.name, colony.prvkey)
    assert_refused(e, "removeusermsg", 400, f"User with name <{added.name}> not found")


def test_change_user_id(private_colony, crypto):
    """On the private server (see the private_colony fixture), in a colony of
    its own; the user gets its old key back afterwards."""
    client, colony, executor = private_colony.client, private_colony, private_colony.executor
    old_key, new_key = crypto.prvkey(), crypto.prvkey()
    added = client.add_user({"colonyname": colony.name, "userid": crypto.id(old_key),
                             "name": unique("user"), "email": "", "phone": ""}, colony.prvkey)
    with pytest.raises(ServerError) as e:  # an executor is not a user
        client.change_user_id(colony.name, crypto.id(new_key), executor.prvkey)
    assert_refused(e, "changeuseridmsg", 400, "Failed to change user Id, user not found")

    assert client.change_user_id(colony.name, crypto.id(new_key), old_key) is None
    try:
        with pytest.raises(ForbiddenError) as e:
            client.get_users(colony.name, old_key)
        assert_refused(e, "getusersmsg", 403, not_a_member(colony.name))
        assert client.get_user(colony.name, added.name, new_key).userid == crypto.id(new_key)
    finally:
        assert client.change_user_id(colony.name, added.userid, new_key) is None
    assert client.get_user_by_id(colony.name, added.userid, old_key) == added
    with pytest.raises(NotFoundError):
        client.get_user_by_id(colony.name, crypto.id(new_key), executor.prvkey)

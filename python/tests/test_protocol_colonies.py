"""Protocol group "colonies": add_colony, remove_colony, get_colonies,
get_colony, get_colony_stats and change_colony_id, against the real server."""

import pytest

from colonies import (Colony, ForbiddenError, NotFoundError, ServerError, Statistics,
                      func_spec)
from conftest import assert_refused, assert_refused_silently, not_a_member, unique


def test_add_get_remove_colony(client, server, crypto):
    key = crypto.prvkey()
    name = unique("pytest")
    added = client.add_colony({"colonyid": crypto.id(key), "name": name}, server.prvkey)
    try:
        assert isinstance(added, Colony)
        assert added == Colony(colonyid=crypto.id(key), name=name)
        listed = client.get_colonies(server.prvkey)
        assert all(isinstance(c, Colony) for c in listed)
        assert added in listed
        assert added in client.list_colonies(server.prvkey)

        with pytest.raises(ServerError) as e:
            client.add_colony({"colonyid": crypto.id(key), "name": name}, server.prvkey)
        assert_refused(e, "addcolonymsg", 400, f"A Colony with name <{name}> already exists")
    finally:
        assert client.remove_colony(name, server.prvkey) is None
    assert name not in [c.name for c in client.get_colonies(server.prvkey)]
    with pytest.raises(NotFoundError) as e:
        client.remove_colony(name, server.prvkey)
    assert_refused(e, "removecolonymsg", 400, f"Colony with name <{name}> not found")


def test_del_colony_alias_replies_empty_dict(client, server, crypto):
    key = crypto.prvkey()
    name = unique("pytest")
    client.add_colony({"colonyid": crypto.id(key), "name": name}, server.prvkey)
    assert client.del_colony(name, server.prvkey) == {}
    assert name not in [c.name for c in client.list_colonies(server.prvkey)]


def test_add_colony_refusals(client, server, crypto):
    key = crypto.prvkey()
    name = unique("pytest")
    with pytest.raises(ForbiddenError) as e:
        client.add_colony({"colonyid": crypto.id(key), "name": name}, key)
    assert_refused(e, "addcolonymsg", 403, "Access denied, not server owner")
    with pytest.raises(ServerError) as e:
        client.add_colony({"colonyid": "abc", "name": name}, server.prvkey)
    assert_refused(e, "addcolonymsg", 400, "Failed to add colony, invalid colony Id length")
    with pytest.raises(ForbiddenError) as e:
        client.get_colonies(key)
    assert_refused(e, "getcoloniesmsg", 403, "Access denied, not server owner")
    assert name not in [c.name for c in client.get_colonies(server.prvkey)]


def test_get_colony(client, colony, executor, crypto):
    got = client.get_colony(colony.name, executor.prvkey)
    assert got == Colony(colonyid=crypto.id(colony.prvkey), name=colony.name)
    # The owner is not a member: the server refuses it.
    with pytest.raises(ForbiddenError) as e:
        client.get_colony(colony.name, colony.prvkey)
    assert_refused(e, "getcolonymsg", 403, not_a_member(colony.name))


def test_get_colony_stats(client, colony, executor):
    for i in range(3):
        client.submit_func_spec(func_spec("echo", [i], colony.name, executor.type),
                                executor.prvkey)
    running = client.assign_process(colony.name, 5, executor.prvkey)
    stats = client.get_colony_stats(colony.name, executor.prvkey)
    assert isinstance(stats, Statistics)
    assert (stats.colonies, stats.executors, stats.activeexecutors) == (1, 1, 1)
    assert (stats.waitingprocesses, stats.runningprocesses) == (2, 1)
    client.close_successful(running.processid, executor.prvkey)
    assert client.stats(colony.name, executor.prvkey).successfulprocesses == 1

    # The server refuses the owner with an empty HTTP 200 reply.
    for method in (client.get_colony_stats, client.stats):
        with pytest.raises(ForbiddenError) as e:
            method(colony.name, colony.prvkey)
        assert_refused_silently(e, "getcolonystatsmsg")


def test_get_colony_stats_of_an_unknown_colony(client, executor):
    # The server says 400 "Colony with name <X> not found", which the
    # registry remaps to COLONIES_ENOTFOUND, as for remove_colony.
    name = unique("no-such-colony")
    with pytest.raises(NotFoundError) as e:
        client.get_colony_stats(name, executor.prvkey)
    assert_refused(e, "getcolonystatsmsg", 400, f"Colony with name <{name}> not found")


def test_change_colony_id(private_colony, crypto):
    """On the private server (see the private_colony fixture), in a colony of
    its own; the old key is given back the colony afterwards."""
    client, colony = private_colony.client, private_colony
    old_key, new_key = colony.prvkey, crypto.prvkey()
    location = {"locationid": unique("loc"), "name": unique("loc"), "colonyname": colony.name}

    with pytest.raises(ForbiddenError) as e:
        client.change_colony_id(colony.name, crypto.id(new_key), new_key)
    assert_refused(e, "changecolonyidmsg", 403, "Access denied, not colony owner")

    assert client.change_colony_id(colony.name, crypto.id(new_key), old_key) is None
    try:
        with pytest.raises(ForbiddenError) as e:  # the old key no longer owns it
            client.add_location(location, old_key)
        assert_refused(e, "addlocationmsg", 403, "Access denied, not colony owner")
        assert client.add_location(location, new_key).name == location["name"]
        assert client.remove_location(colony.name, location["name"], new_key) is None
        ids = {c.name: c.colonyid for c in client.get_colonies(colony.server_prvkey)}
        assert ids[colony.name] == crypto.id(new_key)
    finally:
        assert client.change_colony_id(colony.name, crypto.id(old_key), new_key) is None

    with pytest.raises(ForbiddenError) as e:
        client.pause_assignments(colony.name, new_key)
    assert_refused(e, "pauseassignmentsmsg", 403, "Access denied, not colony owner")
    assert client.add_location(location, old_key).name == location["name"]
    ids = {c.name: c.colonyid for c in client.get_colonies(colony.server_prvkey)}
    assert ids[colony.name] == crypto.id(old_key)


def test_change_colony_id_refuses_a_bad_id(private_colony):
    colony = private_colony
    with pytest.raises(ServerError) as e:
        colony.client.change_colony_id(colony.name, "abc", colony.prvkey)
    assert_refused(e, "changecolonyidmsg", 400,
                   "Failed to change colony Id, new colony Id is not 64 characters")

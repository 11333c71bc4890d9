"""Protocol group "locations": add_location, get_location, get_locations and
remove_location, against the real server."""

import pytest

from colonies import ForbiddenError, Location, NotFoundError, ServerError
from conftest import assert_refused, not_a_member, unique


def new_location(colony, **fields):
    return dict({"locationid": unique("lid"), "name": unique("loc"), "colonyname": colony.name,
                 "description": "Stockholm", "long": 18.0686, "lat": 59.3293}, **fields)


def test_add_and_get_location(client, colony, executor):
    wanted = new_location(colony)
    added = client.add_location(wanted, colony.prvkey)
    assert isinstance(added, Location)
    assert added == Location(wanted)
    got = client.get_location(colony.name, wanted["name"], executor.prvkey)
    assert isinstance(got, Location)
    assert (got.locationid, got.description, got.long, got.lat) == (
        wanted["locationid"], "Stockholm", 18.0686, 59.3293)

    with pytest.raises(ServerError) as e:
        client.add_location(new_location(colony, name=wanted["name"]), colony.prvkey)
    assert_refused(e, "addlocationmsg", 400, f"A location with name <{wanted['name']}> already "
                   f"exists in Colony with name <{colony.name}>")
    with pytest.raises(ForbiddenError) as e:
        client.add_location(new_location(colony), executor.prvkey)
    assert_refused(e, "addlocationmsg", 403, "Access denied, not colony owner")
    with pytest.raises(ForbiddenError) as e:  # the owner is not a member
        client.get_location(colony.name, wanted["name"], colony.prvkey)
    assert_refused(e, "getlocationmsg", 403, not_a_member(colony.name))


def test_get_locations(client, colony, executor):
    assert client.get_locations(colony.name, executor.prvkey) == []
    names = sorted(client.add_location(new_location(colony), colony.prvkey).name
                   for _ in range(2))
    got = client.get_locations(colony.name, executor.prvkey)
    assert all(isinstance(x, Location) for x in got)
    assert sorted(x.name for x in got) == names
    with pytest.raises(ForbiddenError) as e:
        client.get_locations(colony.name, colony.prvkey)
    assert_refused(e, "getlocationsmsg", 403, not_a_member(colony.name))


def test_remove_location(client, colony, executor):
    gone = client.add_location(new_location(colony), colony.prvkey)
    kept = client.add_location(new_location(colony), colony.prvkey)
    assert client.remove_location(colony.name, gone.name, colony.prvkey) is None
    assert [x.name for x in client.get_locations(colony.name, executor.prvkey)] == [kept.name]
    with pytest.raises(NotFoundError) as e:
        client.get_location(colony.name, gone.name, executor.prvkey)
    assert_refused(e, "getlocationmsg", 404, "Failed to get location, location is nil")
    with pytest.raises(NotFoundError) as e:
        client.remove_location(colony.name, gone.name, colony.prvkey)
    assert_refused(e, "removelocationmsg", 400, f"Location with name <{gone.name}> not found")

"""Protocol group "attributes": add_attribute (pycolonies' parameters, and
the registry's Attribute object through Colonies.call) and get_attribute,
against the real server."""

import pytest

from colonies import Attribute, AttributeType, ForbiddenError, NotFoundError, func_spec
from conftest import add_executor, assert_refused


@pytest.fixture
def running(client, colony, executor):
    client.submit_func_spec(func_spec("echo", [], colony.name, executor.type),
                                executor.prvkey)
    return client.assign_process(colony.name, 5, executor.prvkey)


def test_add_attribute_and_get_attribute(client, executor, running):
    # pycolonies' add_attribute(processid, key, value, prvkey) makes an "out" attribute.
    added = client.add_attribute(running.processid, "result", "42", executor.prvkey)
    assert isinstance(added, Attribute)
    assert (added.targetid, added.key, added.value) == (running.processid, "result", "42")
    assert added.attributetype == AttributeType.OUT == 1
    assert added.attributeid

    got = client.get_attribute(added.attributeid, executor.prvkey)
    assert isinstance(got, Attribute)
    assert (got.attributeid, got.key, got.value, got.attributetype) == (
        added.attributeid, "result", "42", 1)
    process = client.get_process(running.processid, executor.prvkey)
    assert [(a.key, a.value) for a in process.attributes] == [("result", "42")]


def test_add_attribute_with_the_registry_parameters(client, colony, executor, running):
    # The registry's form of the operation (an Attribute object) is only
    # reachable by name, since the method is pycolonies'.
    reply = client.call("add_attribute", {"attribute": {
        "targetid": running.processid, "targetcolonyname": colony.name,
        "key": "HOME", "value": "/tmp", "attributetype": AttributeType.ENV}}, executor.prvkey)
    assert (reply["key"], reply["value"], reply["attributetype"]) == ("HOME", "/tmp", 3)
    assert reply["targetcolonyname"] == colony.name
    got = client.get_attribute(reply["attributeid"], executor.prvkey)
    assert got.attributetype == AttributeType.ENV and got.targetid == running.processid


def test_get_unknown_attribute(client, executor):
    with pytest.raises(NotFoundError) as e:
        client.get_attribute("0" * 64, executor.prvkey)
    assert_refused(e, "getattributemsg", 400, "Attribute does not exists")


def test_add_attribute_refusals(client, colony, executor, running, crypto):
    other, key, _ = add_executor(client, colony, executor.type)
    with pytest.raises(ForbiddenError) as e:
        client.add_attribute(running.processid, "k", "v", key)
    assert_refused(e, "addattributemsg", 403,
                   f"Failed to add attribute, only executor with id <{executor.id}> is allowed to "
                   "set attributes")
    with pytest.raises(NotFoundError) as e:
        client.add_attribute("0" * 64, "k", "v", executor.prvkey)
    assert_refused(e, "addattributemsg", 404, "Failed to add attribute, process not found")
    assert client.get_process(running.processid, executor.prvkey).attributes == []

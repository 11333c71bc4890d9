"""Protocol group "blueprints": definitions (add, get, list, remove),
blueprints (add, get, list, update, remove), update_blueprint_status,
reconcile_blueprint and get_blueprint_history, against the real server.

Removing a colony does not remove its blueprints and definitions, so the
`bp` fixture removes what a test made before the colony goes. Every kind is
unique: the server looks definitions up by kind across colonies.
"""

import uuid

import pytest

from colonies import (Blueprint, BlueprintDefinition, BlueprintHistory, ForbiddenError,
                      NotFoundError, Process, SchemaProperty, ServerError)
from conftest import assert_refused, not_a_member, unique


@pytest.fixture
def bp(client, colony, executor):
    """Makes definitions and blueprints in the fresh colony and removes them afterwards."""

    class Maker:
        def definition(self, handler=True, schema=True):
            kind = "Kind" + uuid.uuid4().hex[:10]
            spec = {"group": "test.colonyos.io", "version": "v1", "scope": "Namespaced",
                    "names": {"kind": kind, "listKind": kind + "List", "singular": "thing",
                              "plural": "things", "shortNames": ["th"]}}
            if schema:
                spec["schema"] = {"type": "object", "required": ["replicas"], "properties": {
                    "replicas": {"type": "integer", "description": "how many"},
                    "image": {"type": "string"}}}
            if handler:
                spec["handler"] = {"executorType": executor.type, "functionName": "reconcile"}
            return client.add_blueprint_definition(
                {"kind": "BlueprintDefinition", "metadata": {"name": unique("def"),
                                                             "colonyname": colony.name},
                 "spec": spec}, colony.prvkey)

        def blueprint(self, definition, key=None, spec=None, **metadata):
            return client.add_blueprint(
                {"kind": definition.spec.names.kind,
                 "metadata": dict({"name": unique("bp"), "colonyname": colony.name}, **metadata),
                 "spec": spec if spec is not None else {"replicas": 1, "image": "nginx"}},
                key or executor.prvkey)

    yield Maker()
    for b in client.get_blueprints(colony.name, colony.prvkey):
        client.remove_blueprint(colony.name, b.metadata.name, colony.prvkey)
    for d in client.get_blueprint_definitions(colony.name, colony.prvkey):
        client.remove_blueprint_definition(colony.name, d.metadata.name, colony.prvkey)


def test_blueprint_definitions(client, colony, executor, bp):
    assert client.get_blueprint_definitions(colony.name, colony.prvkey) == []
    assert client.get_blueprint_definitions(colony.name, executor.prvkey) == []
    d = bp.definition()
    assert isinstance(d, BlueprintDefinition)
    assert d.blueprintdefinitionid and d.metadata.colonyname == colony.name
    assert d.spec.names.kind.startswith("Kind") and d.spec.names.plural == "things"
    assert (d.spec.handler.executorType, d.spec.handler.functionName) == (executor.type,
                                                                         "reconcile")

    for key in (colony.prvkey, executor.prvkey):  # the owner may read too
        got = client.get_blueprint_definition(colony.name, d.metadata.name, key)
        assert isinstance(got, BlueprintDefinition)
        assert got.blueprintdefinitionid == d.blueprintdefinitionid
        assert got.spec.schema.required == ["replicas"]
        listed = client.get_blueprint_definitions(colony.name, key)
        assert [x.metadata.name for x in listed] == [d.metadata.name]

    refused = {"kind": "BlueprintDefinition",
               "metadata": {"name": unique("def"), "colonyname": colony.name},
               "spec": {"names": {"kind": "Other"}}}
    with pytest.raises(ForbiddenError) as e:
        client.add_blueprint_definition(refused, executor.prvkey)
    assert_refused(e, "addblueprintdefinitionmsg", 403, "Access denied, not colony owner")
    with pytest.raises(NotFoundError) as e:
        client.get_blueprint_definition(colony.name, "no-such-definition", executor.prvkey)
    assert_refused(e, "getblueprintdefinitionmsg", 404, "Blueprint definition not found")


def test_remove_blueprint_definition(client, colony, executor, bp):
    d = bp.definition()
    b = bp.blueprint(d)
    with pytest.raises(ServerError) as e:
        client.remove_blueprint_definition(colony.name, d.metadata.name, colony.prvkey)
    assert_refused(e, "removeblueprintdefinitionmsg", 409,
                   f"cannot remove BlueprintDefinition '{d.metadata.name}': 1 blueprint(s) of "
                   f"kind '{d.spec.names.kind}' still exist")
    client.remove_blueprint(colony.name, b.metadata.name, colony.prvkey)
    assert client.remove_blueprint_definition(colony.name, d.metadata.name, colony.prvkey) == {}
    assert client.get_blueprint_definitions(colony.name, executor.prvkey) == []
    with pytest.raises(NotFoundError) as e:
        client.remove_blueprint_definition(colony.name, d.metadata.name, colony.prvkey)
    assert_refused(e, "removeblueprintdefinitionmsg", 404,
                   f"BlueprintDefinition '{d.metadata.name}' not found in namespace "
                   f"'{colony.name}'")


def test_definition_schema_properties_are_models(client, colony, bp):
    # ValidationSchema.properties is map<SchemaProperty> in the registry: each value is a model.
    d = bp.definition()
    got = client.get_blueprint_definition(colony.name, d.metadata.name, colony.prvkey)
    replicas = got.spec.schema.properties["replicas"]
    assert isinstance(replicas, SchemaProperty)
    assert (replicas.type, replicas.description) == ("integer", "how many")


def test_add_get_and_list_blueprints(client, colony, executor, bp):
    d, other = bp.definition(), bp.definition(handler=False)
    assert client.get_blueprints(colony.name, executor.prvkey) == []
    location = unique("loc")
    first = bp.blueprint(d, locationname=location)  # its location is made on the way
    second = bp.blueprint(d, key=colony.prvkey)     # the owner may add too
    third = bp.blueprint(other, spec={"replicas": 3})
    assert isinstance(first, Blueprint)
    assert first.blueprintid and first.kind == d.spec.names.kind
    assert first.spec == {"replicas": 1, "image": "nginx"}
    assert first.metadata.locationname == location
    assert location in [x.name for x in client.get_locations(colony.name, executor.prvkey)]

    for key in (executor.prvkey, colony.prvkey):
        got = client.get_blueprint(colony.name, first.metadata.name, key)
        assert isinstance(got, Blueprint)
        assert (got.blueprintid, got.spec) == (first.blueprintid, first.spec)

    def names(**kw):
        got = client.get_blueprints(colony.name, executor.prvkey, **kw)
        assert all(isinstance(x, Blueprint) for x in got)
        return sorted(x.metadata.name for x in got)

    assert names() == sorted(x.metadata.name for x in (first, second, third))
    assert names(kind=d.spec.names.kind) == sorted([first.metadata.name, second.metadata.name])
    assert names(kind=d.spec.names.kind, location=location) == [first.metadata.name]
    assert names(kind=other.spec.names.kind, location=location) == []
    assert names(kind="NoSuchKind") == []


def test_add_blueprint_refusals(client, colony, executor, bp):
    d = bp.definition(handler=False)
    b = bp.blueprint(d)
    with pytest.raises(ServerError) as e:
        bp.blueprint(d, name=b.metadata.name)
    assert_refused(e, "addblueprintmsg", 409, f"blueprint with name '{b.metadata.name}' already "
                   f"exists in colony '{colony.name}'")
    with pytest.raises(ServerError) as e:
        bp.blueprint(d, spec={"image": "nginx"})
    assert_refused(e, "addblueprintmsg", 400,
                   "blueprint validation failed: required field 'replicas' is missing")
    with pytest.raises(ServerError) as e:
        client.add_blueprint({"kind": "NoSuchKind", "metadata": {
            "name": unique("bp"), "colonyname": colony.name}, "spec": {}}, executor.prvkey)
    assert_refused(e, "addblueprintmsg", 400, "BlueprintDefinition for kind 'NoSuchKind' not "
                   f"found in namespace '{colony.name}'")
    assert [x.blueprintid for x in client.get_blueprints(colony.name, executor.prvkey)] == \
        [b.blueprintid]


def test_update_blueprint_and_history(client, colony, executor, bp):
    d = bp.definition(handler=False)
    b = bp.blueprint(d)
    assert b.metadata.generation == 0
    same = client.update_blueprint(b, executor.prvkey)
    assert isinstance(same, Blueprint) and same.metadata.generation == 0  # spec unchanged
    changed = Blueprint(b)
    changed.spec = {"replicas": 5, "image": "nginx"}
    updated = client.update_blueprint(changed, executor.prvkey)
    assert updated.metadata.generation == 1 and updated.blueprintid == b.blueprintid
    forced = client.update_blueprint(changed, colony.prvkey, force_generation=True)
    assert forced.metadata.generation == 2
    got = client.get_blueprint(colony.name, b.metadata.name, executor.prvkey)
    assert got.spec["replicas"] == 5 and got.metadata.generation == 2

    history = client.get_blueprint_history(b.blueprintid, executor.prvkey)
    assert all(isinstance(h, BlueprintHistory) for h in history)
    assert [(h.generation, h.changetype) for h in history] == [(2, "update"), (1, "update"),
                                                               (0, "create")]  # newest first
    assert history[-1].spec == {"replicas": 1, "image": "nginx"}
    assert {h.blueprintid for h in history} == {b.blueprintid}
    assert [h.generation for h in client.get_blueprint_history(b.blueprintid, colony.prvkey,
                                                               limit=1)] == [2]

    with pytest.raises(NotFoundError) as e:
        client.update_blueprint(dict(changed, metadata=dict(changed.metadata,
                                                            name="no-such-blueprint")),
                                executor.prvkey)
    assert_refused(e, "updateblueprintmsg", 404,
                   f"blueprint 'no-such-blueprint' not found in namespace '{colony.name}'")
    with pytest.raises(NotFoundError) as e:
        client.get_blueprint_history("0" * 64, executor.prvkey)
    assert_refused(e, "getblueprinthistorymsg", 404, "Blueprint not found")


def test_update_blueprint_status(client, colony, executor, bp):
    b = bp.blueprint(bp.definition(handler=False))
    status = {"ready": 2, "phase": "Running", "nodes": ["a", "b"]}
    assert client.update_blueprint_status(colony.name, b.metadata.name, status,
                                          executor.prvkey) == {}
    got = client.get_blueprint(colony.name, b.metadata.name, colony.prvkey)
    assert got.status == status and got.spec == b.spec
    # Members only: the owner is refused here.
    with pytest.raises(ForbiddenError) as e:
        client.update_blueprint_status(colony.name, b.metadata.name, {"ready": 0},
                                       colony.prvkey)
    assert_refused(e, "updateblueprintstatusmsg", 403, not_a_member(colony.name))
    with pytest.raises(NotFoundError) as e:
        client.update_blueprint_status(colony.name, "no-such-blueprint", status,
                                       executor.prvkey)
    assert_refused(e, "updateblueprintstatusmsg", 404, "Blueprint not found")
    assert client.get_blueprint(colony.name, b.metadata.name, executor.prvkey).status == status


def test_reconcile_blueprint(client, colony, executor, bp):
    d = bp.definition(handler=True)
    b = bp.blueprint(d)
    # Adding a blueprint of a kind with a handler submits a reconciliation.
    waiting = client.get_processes(colony.name, 10, 0, executor.prvkey)
    assert [(p.spec.funcname, p.spec.kwargs["blueprintName"]) for p in waiting] == [
        ("reconcile", b.metadata.name)]

    process = client.reconcile_blueprint(colony.name, b.metadata.name, executor.prvkey,
                                         force=True)
    assert isinstance(process, Process)
    assert process.spec.funcname == "reconcile"
    assert process.spec.conditions.executortype == executor.type
    assert process.spec.kwargs == {"kind": d.spec.names.kind, "blueprintName": b.metadata.name,
                                   "force": True}
    assert process.processid in [p.processid for p in
                                 client.get_processes(colony.name, 10, 0, executor.prvkey)]

    with pytest.raises(ForbiddenError) as e:  # members only
        client.reconcile_blueprint(colony.name, b.metadata.name, colony.prvkey)
    assert_refused(e, "reconcileblueprintmsg", 403, not_a_member(colony.name))
    plain = bp.blueprint(bp.definition(handler=False))
    with pytest.raises(ServerError) as e:
        client.reconcile_blueprint(colony.name, plain.metadata.name, executor.prvkey)
    assert_refused(e, "reconcileblueprintmsg", 400,
                   "Blueprint has no handler with executor type defined")


def test_remove_blueprint(client, colony, executor, bp):
    d = bp.definition(handler=False)
    gone, kept = bp.blueprint(d), bp.blueprint(d)
    assert client.remove_blueprint(colony.name, gone.metadata.name, executor.prvkey) == {}
    assert [x.metadata.name for x in client.get_blueprints(colony.name, executor.prvkey)] == \
        [kept.metadata.name]
    with pytest.raises(NotFoundError) as e:
        client.get_blueprint(colony.name, gone.metadata.name, executor.prvkey)
    assert_refused(e, "getblueprintmsg", 404, "Blueprint not found")
    with pytest.raises(NotFoundError) as e:
        client.remove_blueprint(colony.name, gone.metadata.name, colony.prvkey)
    assert_refused(e, "removeblueprintmsg", 404, "Blueprint not found")

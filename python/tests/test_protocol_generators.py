"""Protocol group "generators": add_generator, get_generator,
get_generators, resolve_generator, pack_generator and remove_generator,
against the real server. (A generator with trigger 0 would make the server
divide by zero; the registry refuses it before sending, which is tested
here instead.)"""

import json
import time

import pytest

from colonies import (ForbiddenError, Generator, InvalidArgumentError, NotFoundError,
                      ServerError, func_spec)
from conftest import assert_refused, not_a_member, unique


def add(client, colony, executor, trigger=100, timeout=-1, name=None):
    wf = {"colonyname": colony.name, "functionspecs": [
        func_spec("batch", [], colony.name, executor.type, nodename="batch")]}
    return client.add_generator({"name": name or unique("gen"), "colonyname": colony.name,
                                 "workflowspec": json.dumps(wf), "trigger": trigger,
                                 "timeout": timeout}, executor.prvkey)


def test_add_get_resolve_generator(client, colony, executor):
    gen = add(client, colony, executor, trigger=5, timeout=-1)
    assert isinstance(gen, Generator)
    assert (gen.colonyname, gen.trigger, gen.timeout) == (colony.name, 5, -1)
    assert gen.generatorid and gen.initiatorname == executor.name
    assert json.loads(gen.workflowspec)["functionspecs"][0]["funcname"] == "batch"

    got = client.get_generator(gen.generatorid, executor.prvkey)
    assert isinstance(got, Generator)
    assert (got.generatorid, got.name, got.trigger, got.queuesize) == (gen.generatorid,
                                                                       gen.name, 5, 0)
    assert got.checkerperiod > 0

    resolved = client.resolve_generator(colony.name, gen.name, executor.prvkey)
    assert isinstance(resolved, Generator)
    assert (resolved.generatorid, resolved.name) == (gen.generatorid, gen.name)
    with pytest.raises(NotFoundError) as e:
        client.resolve_generator(colony.name, "no-such-generator", executor.prvkey)
    assert_refused(e, "resolvegeneratormsg", 500, "Failed to resolve generator, generator is nil")


def test_get_generators(client, colony, executor):
    assert client.get_generators(colony.name, executor.prvkey) == []
    names = sorted(add(client, colony, executor).name for _ in range(3))
    gens = client.get_generators(colony.name, executor.prvkey)
    assert all(isinstance(g, Generator) for g in gens)
    assert sorted(g.name for g in gens) == names
    assert len(client.get_generators(colony.name, executor.prvkey, count=2)) == 2
    with pytest.raises(ForbiddenError) as e:
        client.get_generators(colony.name, colony.prvkey)
    assert_refused(e, "getgeneratorsmsg", 403, not_a_member(colony.name))


def test_pack_generator_queues_and_triggers(client, colony, executor):
    gen = add(client, colony, executor, trigger=2)
    assert client.pack_generator(gen.generatorid, executor.prvkey, arg="a1") is None
    assert client.get_generator(gen.generatorid, executor.prvkey).queuesize == 1
    assert client.get_process_graphs(colony.name, 10, executor.prvkey) == []
    client.pack_generator(gen.generatorid, executor.prvkey, arg="a2")
    # The second argument reaches the trigger: the server submits the
    # workflow with the packed arguments within its checker period (1 s).
    deadline = time.monotonic() + 10
    while not (graphs := client.get_process_graphs(colony.name, 10, executor.prvkey)):
        assert time.monotonic() < deadline, "the generator did not submit its workflow"
        time.sleep(0.1)
    process = client.get_process(graphs[0].processids[0], executor.prvkey)
    assert process.spec.funcname == "batch" and process.spec.args == ["a1", "a2"]
    assert client.get_generator(gen.generatorid, executor.prvkey).queuesize == 0

    with pytest.raises(NotFoundError) as e:
        client.pack_generator("0" * 64, executor.prvkey, arg="x")
    assert_refused(e, "packgeneratormsg", 500, "Failed to increment generator, generator is nil")


def test_remove_generator(client, colony, executor):
    gen = add(client, colony, executor)
    keep = add(client, colony, executor)
    assert client.remove_generator(gen.generatorid, executor.prvkey) == {}
    assert [g.generatorid for g in client.get_generators(colony.name, executor.prvkey)] == \
        [keep.generatorid]
    with pytest.raises(NotFoundError) as e:
        client.get_generator(gen.generatorid, executor.prvkey)
    assert_refused(e, "getgeneratormsg", 500, "Failed to get generator, generator is nil")
    with pytest.raises(NotFoundError) as e:
        client.remove_generator(gen.generatorid, executor.prvkey)
    assert_refused(e, "removegeneratormsg", 500, "Failed to remove generator, generator is nil")


def test_trigger_zero_is_refused_before_sending(client, colony, executor):
    with pytest.raises(InvalidArgumentError) as e:
        add(client, colony, executor, trigger=0)
    assert "generator.trigger" in str(e.value) and e.value.status == 0
    assert client.get_generators(colony.name, executor.prvkey) == []


def test_duplicate_generator_name(client, colony, executor):
    gen = add(client, colony, executor)
    with pytest.raises(ServerError) as e:
        add(client, colony, executor, name=gen.name)
    assert_refused(e, "addgeneratormsg", 400,
                   f"Generator with name <{gen.name}> in Colony <{colony.name}> already exists")

"""Workflows from Python: the seed's Workflow(colonyname).add(...) and
create_func_spec, pycolonies' spellings, checks before sending, running a
workflow and a MapReduce against the real server, and find_process."""

import pytest

from colonies import (Colonies, InvalidArgumentError, Process, ProcessGraph, Workflow,
                      create_func_spec, func_spec)


def spec(executor, funcname, **extra):
    return func_spec(func=funcname, args=[], colonyname=executor.colonyname, executortype=executor.type,
                     **extra)


def test_the_seeds_builder():
    wf = Workflow("lab")
    assert wf.colonyname == "lab" and wf.functionspecs == []
    gen = create_func_spec(func="gen_nums", args=[], colonyid="lab", executortype="python_executor")
    assert gen.conditions.colonyname == "lab"
    assert wf.add(gen, nodename="gen_nums", dependencies=[]) is wf
    wf.add(create_func_spec(func="sum_nums", colonyid="lab", executortype="python_executor"),
           nodename="sum_nums", dependencies=["gen_nums"])
    assert [s.nodename for s in wf.functionspecs] == ["gen_nums", "sum_nums"]
    assert wf["functionspecs"][1]["conditions"]["dependencies"] == ["gen_nums"]
    wf.check()
    # The seed's keyword, pycolonies' keyword.
    assert Workflow(colonyid="lab").colonyname == "lab"
    assert Workflow(colonyname="lab").colonyname == "lab"


def test_mistakes_are_named_before_anything_is_sent():
    wf = Workflow("lab")
    wf.add(create_func_spec(func="a", colonyid="lab", executortype="t"))
    with pytest.raises(InvalidArgumentError, match='node name "a" is used already'):
        wf.add(create_func_spec(func="a", colonyid="lab", executortype="t"))
    wf.add(create_func_spec(func="b", colonyid="lab", executortype="t"), dependencies=["c"])
    with pytest.raises(InvalidArgumentError, match='node "b" depends on "c", which is no node of the workflow'):
        wf.check()
    wf.add(create_func_spec(func="c", colonyid="lab", executortype="t"), dependencies=["b"])
    with pytest.raises(InvalidArgumentError, match='cycle: "b" -> "c" -> "b"'):
        wf.check()
    # Submitting checks it first: no connection is even needed.
    with pytest.raises(InvalidArgumentError, match="cycle"):
        Colonies("127.0.0.1", 1).submit(wf, "ddf7f7791208083b6a9ed975a72684f6406a269cfa36f1b1c32045c0a71fff05")
    with pytest.raises(InvalidArgumentError, match="differ"):
        create_func_spec(func="x", colonyid="one", colonyname="two", executortype="t")


def run_next(client, executor, output):
    """Assigns the next process and closes it with output; returns it as assigned."""
    process = client.assign(executor.colonyname, 5, executor.prvkey)
    client.close(process.processid, output, executor.prvkey)
    return process


def test_workflow_runs(client, executor):
    """The seed's example: sum_nums(gen_nums()) is 3."""
    wf = Workflow(executor.colonyname)
    wf.add(spec(executor, "gen_nums"), nodename="gen_nums", dependencies=[])
    wf.add(spec(executor, "sum_nums"), nodename="sum_nums", dependencies=["gen_nums"])
    graph = client.submit(wf, executor.prvkey)
    assert isinstance(graph, ProcessGraph) and len(graph["processids"]) == 2
    gen = run_next(client, executor, [1, 2])
    assert gen.spec.funcname == "gen_nums"
    total = client.assign(executor.colonyname, 5, executor.prvkey)
    assert total.spec.funcname == "sum_nums" and total.input == [1, 2]
    client.close(total.processid, [sum(total.input)], executor.prvkey)
    # pycolonies' find_process, by the graph's process ids, the graph, or its id.
    for where in (graph.processids, graph, graph.processgraphid):
        found = client.find_process("sum_nums", where, executor.prvkey)
        assert isinstance(found, Process) and found.processid == total.processid
    assert found.output == [3]
    assert client.find_process("nope", graph.processids, executor.prvkey) is None


def test_pycolonies_spelling_runs(client, executor):
    wf = Workflow(colonyname=executor.colonyname)
    wf.functionspecs.append(spec(executor, "first", nodename="first"))
    wf.functionspecs.append(spec(executor, "second", nodename="second", dependencies=["first"]))
    graph = client.submit_workflow(wf, executor.prvkey)
    assert len(graph.processids) == 2
    run_next(client, executor, ["x"])
    assert client.assign(executor.colonyname, 5, executor.prvkey).input == ["x"]


def test_map_reduce(client, executor):
    """The seed's MapReduce: map adds 5 gen_nums before reduce, which gets 15."""
    wf = Workflow(executor.colonyname)
    wf.add(spec(executor, "map"), nodename="map", dependencies=[])
    wf.add(spec(executor, "reduce"), nodename="reduce", dependencies=["map"])
    graph = client.submit(wf, executor.prvkey)
    mapper = client.assign(executor.colonyname, 5, executor.prvkey)
    reducer = client.find_process("reduce", graph["processids"], executor.prvkey)
    insert = True
    for i in range(5):
        client.add_child(mapper["processgraphid"], mapper["processid"], reducer["processid"],
                         spec(executor, "gen_nums"), f"gen_nums_{i}", insert, executor.prvkey)
        insert = False
    client.close(mapper.processid, [], executor.prvkey)
    for _ in range(5):
        assert run_next(client, executor, [1, 2]).spec.funcname == "gen_nums"
    reduce = client.assign(executor.colonyname, 5, executor.prvkey)
    assert reduce.spec.funcname == "reduce"
    assert sum(reduce.input) == 15 and len(reduce.input) == 10

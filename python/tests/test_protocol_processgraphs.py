"""Protocol group "processgraphs": submit_workflow_spec (submit_workflow),
get_process_graph (get_processgraph), get_process_graphs
(get_processgraphs), cancel_process_graph, remove_process_graph
(remove_processgraph) and remove_all_process_graphs
(remove_all_processgraphs), against the real server."""

import pytest

from colonies import (ForbiddenError, NotFoundError, ProcessGraph, ProcessState, ServerError,
                      Workflow, func_spec)
from conftest import assert_refused, not_a_member


def workflow(colony, executor, tag="x"):
    return {"colonyname": colony.name, "functionspecs": [
        func_spec("gen", [tag], colony.name, executor.type, nodename="gen"),
        func_spec("sum", [], colony.name, executor.type, nodename="sum", dependencies=["gen"]),
    ]}


def test_submit_workflow_spec_and_get(client, colony, executor):
    graph = client.submit_workflow_spec(workflow(colony, executor), executor.prvkey)
    assert isinstance(graph, ProcessGraph)
    assert graph.colonyname == colony.name and graph.state == ProcessState.WAITING
    assert len(graph.processids) == 2 and len(graph.rootprocessids) == 1
    assert graph.initiatorname == executor.name

    for method in (client.get_process_graph, client.get_processgraph):
        got = method(graph.processgraphid, executor.prvkey)
        assert isinstance(got, ProcessGraph)
        assert got.processgraphid == graph.processgraphid
        assert sorted(got.processids) == sorted(graph.processids)
    root = client.get_process(graph.rootprocessids[0], executor.prvkey)
    assert root.spec.nodename == "gen" and root.processgraphid == graph.processgraphid
    leaf = client.get_process((set(graph.processids) - set(graph.rootprocessids)).pop(),
                              executor.prvkey)
    assert leaf.parents == [root.processid] and leaf.waitforparents

    with pytest.raises(NotFoundError) as e:
        client.get_process_graph("0" * 64, executor.prvkey)
    assert_refused(e, "getprocessgraphmsg", 500, "Failed to get processgraph, graph is nil")


def test_submit_workflow_alias_takes_a_workflow_model(client, colony, executor):
    wf = Workflow(colonyname=colony.name)
    wf.functionspecs.append(func_spec("only", [], colony.name, executor.type, nodename="only"))
    graph = client.submit_workflow(wf, executor.prvkey)
    assert isinstance(graph, ProcessGraph) and len(graph.processids) == 1
    assert client.get_process(graph.processids[0], executor.prvkey).spec.funcname == "only"
    with pytest.raises(ForbiddenError) as e:
        client.submit_workflow(wf, colony.prvkey)
    assert_refused(e, "submitworkflowspecmsg", 403, not_a_member(colony.name))


def test_get_process_graphs_by_state(client, colony, executor):
    assert client.get_process_graphs(colony.name, 10, executor.prvkey) == []
    assert client.get_processgraphs(colony.name, 10, executor.prvkey, state=1) == []
    first = client.submit_workflow_spec(workflow(colony, executor, "1"), executor.prvkey)
    second = client.submit_workflow_spec(workflow(colony, executor, "2"), executor.prvkey)
    client.assign_process(colony.name, 5, executor.prvkey)  # starts the first graph

    def ids(state=None, count=10):
        graphs = client.get_process_graphs(colony.name, count, executor.prvkey, state=state)
        assert all(isinstance(g, ProcessGraph) for g in graphs)
        return [g.processgraphid for g in graphs]

    assert ids() == [second.processgraphid]  # default state: waiting
    assert ids(state=ProcessState.RUNNING) == [first.processgraphid]
    assert [g.processgraphid for g in client.get_processgraphs(
        colony.name, 10, executor.prvkey, state=ProcessState.RUNNING)] == [first.processgraphid]
    assert ids(state=ProcessState.SUCCESSFUL) == []


def test_cancel_and_remove_process_graph(client, colony, executor):
    graph = client.submit_workflow_spec(workflow(colony, executor), executor.prvkey)
    client.assign_process(colony.name, 5, executor.prvkey)
    with pytest.raises(ServerError) as e:
        client.remove_process_graph(graph.processgraphid, executor.prvkey)
    assert_refused(e, "removeprocessgraphmsg", 400,
                   "Failed to remove processgraph, cannot remove a running processgraph")

    assert client.cancel_process_graph(graph.processgraphid, executor.prvkey) is None
    assert client.get_process_graph(graph.processgraphid, executor.prvkey).state == \
        ProcessState.CANCELLED
    assert {client.get_process(pid, executor.prvkey).state for pid in graph.processids} == \
        {ProcessState.CANCELLED}

    assert client.remove_process_graph(graph.processgraphid, executor.prvkey) is None
    with pytest.raises(NotFoundError):
        client.get_process_graph(graph.processgraphid, executor.prvkey)
    with pytest.raises(NotFoundError):  # its processes went with it
        client.get_process(graph.processids[0], executor.prvkey)
    with pytest.raises(NotFoundError) as e:
        client.cancel_process_graph(graph.processgraphid, executor.prvkey)
    assert_refused(e, "cancelprocessgraphmsg", 500, "Failed to cancel processgraph, graph is nil")


def test_remove_processgraph_alias_replies_empty_dict(client, colony, executor):
    graph = client.submit_workflow_spec(workflow(colony, executor), executor.prvkey)
    assert client.remove_processgraph(graph.processgraphid, executor.prvkey) == {}
    assert client.get_process_graphs(colony.name, 10, executor.prvkey) == []
    with pytest.raises(NotFoundError) as e:
        client.remove_processgraph(graph.processgraphid, executor.prvkey)
    assert_refused(e, "removeprocessgraphmsg", 500, "Failed to remove processgraph, graph is nil")


def test_remove_all_process_graphs(client, colony, executor):
    """Runs in the fixture's own colony: removes every graph there."""
    single = {"colonyname": colony.name, "functionspecs": [
        func_spec("one", [], colony.name, executor.type, nodename="one")]}
    done = client.submit_workflow_spec(single, executor.prvkey)
    client.close_successful(client.assign_process(colony.name, 5, executor.prvkey).processid,
                            executor.prvkey)
    waiting = [client.submit_workflow_spec(workflow(colony, executor, str(i)),
                                           executor.prvkey).processgraphid for i in range(2)]

    def graphs(state):
        return {g.processgraphid for g in client.get_process_graphs(colony.name, 100,
                                                                    executor.prvkey,
                                                                    state=state)}

    assert graphs(ProcessState.SUCCESSFUL) == {done.processgraphid}
    assert graphs(ProcessState.WAITING) == set(waiting)
    with pytest.raises(ServerError) as e:
        client.remove_all_process_graphs(colony.name, colony.prvkey, state=ProcessState.RUNNING)
    assert_refused(e, "removeallprocessgraphsmsg", 400, "not possible to remove running "
                   "processgraphs")
    with pytest.raises(ForbiddenError) as e:
        client.remove_all_process_graphs(colony.name, executor.prvkey)
    assert_refused(e, "removeallprocessgraphsmsg", 403, "Access denied, not colony owner")

    assert client.remove_all_processgraphs(colony.name, colony.prvkey,
                                           state=ProcessState.WAITING) == {}
    assert graphs(ProcessState.WAITING) == set()
    assert graphs(ProcessState.SUCCESSFUL) == {done.processgraphid}
    for gid in waiting:
        with pytest.raises(NotFoundError):
            client.get_process_graph(gid, executor.prvkey)

    # Left out, the state is 0, as pycolonies leaves it out: waiting graphs go, the others stay.
    again = client.submit_workflow_spec(workflow(colony, executor, "w"), executor.prvkey)
    assert client.remove_all_processgraphs(colony.name, colony.prvkey) == {}
    with pytest.raises(NotFoundError):
        client.get_process_graph(again.processgraphid, executor.prvkey)
    assert graphs(ProcessState.SUCCESSFUL) == {done.processgraphid}

    # State -1 removes every state, a running graph too.
    running = client.submit_workflow_spec(workflow(colony, executor, "r"), executor.prvkey)
    client.assign_process(colony.name, 5, executor.prvkey)
    assert graphs(ProcessState.RUNNING) == {running.processgraphid}
    assert client.remove_all_process_graphs(colony.name, colony.prvkey,
                                            state=ProcessState.ALL) is None
    for state in ProcessState.WAITING, ProcessState.RUNNING, ProcessState.SUCCESSFUL:
        assert graphs(state) == set()
    with pytest.raises(NotFoundError):
        client.get_process_graph(running.processgraphid, executor.prvkey)

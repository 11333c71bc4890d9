"""Protocol group "processes": submit_func_spec, assign_process (assign),
get_processes (list_processes), get_process, get_process_hist,
remove_process, remove_all_processes, close_successful (close), close_failed
(fail), set_output, cancel_process and add_child, against the real server."""

import pytest

from colonies import (Colonies, ExpiredError, ForbiddenError, NotFoundError, Process,
                      ProcessState, ServerError, func_spec)
from conftest import add_executor, assert_refused, assert_refused_silently, not_a_member, unique


def submit(client, executor, *args, **options):
    return client.submit_func_spec(
        func_spec("echo", list(args), executor.colonyname, executor.type, **options),
        executor.prvkey)


@pytest.fixture
def user(client, colony, crypto):
    key = crypto.prvkey()
    name = unique("user")
    client.add_user({"colonyname": colony.name, "userid": crypto.id(key), "name": name,
                     "email": "", "phone": ""}, colony.prvkey)
    return name, key


def test_submit_and_get_process(client, executor):
    p = submit(client, executor, "a", 1, label="lab", priority=5)
    assert isinstance(p, Process)
    assert p.state == ProcessState.WAITING and not p.isassigned
    assert (p.spec.funcname, p.spec.args, p.spec.label, p.spec.priority) == ("echo", ["a", 1],
                                                                            "lab", 5)
    assert p.initiatorid == executor.id and p.initiatorname == executor.name
    got = client.get_process(p.processid, executor.prvkey)
    assert got.processid == p.processid and got.spec.args == ["a", 1]
    with pytest.raises(NotFoundError) as e:
        client.get_process("0" * 64, executor.prvkey)
    assert_refused(e, "getprocessmsg", 404, "Failed to get process, process not found")


def test_submit_refused_for_the_owner(client, colony, executor):
    with pytest.raises(ForbiddenError) as e:
        client.submit_func_spec(func_spec("echo", [], colony.name, executor.type), colony.prvkey)
    assert_refused(e, "submitfuncspecmsg", 403, not_a_member(colony.name))
    assert client.get_processes(colony.name, 10, 0, executor.prvkey) == []


def test_assign_process_and_assign(client, executor):
    first = submit(client, executor, "first")
    second = submit(client, executor, "second", cpu="500m", mem="1Gi")
    got = client.assign_process(executor.colonyname, 5, executor.prvkey)
    assert isinstance(got, Process)
    assert got.processid == first.processid
    assert got.state == ProcessState.RUNNING and got.isassigned
    assert got.assignedexecutorid == executor.id
    # pycolonies' assign with its cpu/mem names for availablecpu/availablemem.
    with pytest.raises(ExpiredError) as e:
        client.assign(executor.colonyname, 1, executor.prvkey, cpu="100m", mem="2Gi")
    assert_refused(e, "assignprocessmsg", 404, "No process available for assignment")
    got = client.assign(executor.colonyname, 5, executor.prvkey, cpu="1000m", mem="2Gi")
    assert got.processid == second.processid and got.spec.conditions.cpu == "500m"
    with pytest.raises(ExpiredError):
        client.assign_process(executor.colonyname, 1, executor.prvkey, availablecpu="1000m")


def test_get_processes_and_list_processes(client, colony, executor, user):
    user_name, user_key = user
    labelled = submit(client, executor, "x", label="lab")
    plain = submit(client, executor, "y")
    by_user = client.submit_func_spec(func_spec("echo", [], colony.name, executor.type),
                                      user_key)

    def ids(processes):
        assert all(isinstance(p, Process) for p in processes)
        return {p.processid for p in processes}

    everything = {labelled.processid, plain.processid, by_user.processid}
    assert ids(client.get_processes(colony.name, 100, 0, executor.prvkey)) == everything
    assert ids(client.list_processes(colony.name, 100, 0, executor.prvkey)) == everything
    assert ids(client.get_processes(colony.name, 100, 0, executor.prvkey, label="lab")) == \
        {labelled.processid}
    assert ids(client.list_processes(colony.name, 100, 0, executor.prvkey,
                                     initiator=user_name)) == {by_user.processid}
    assert ids(client.get_processes(colony.name, 100, 0, executor.prvkey,
                                    executortype=executor.type)) == everything
    assert len(client.get_processes(colony.name, 2, 0, executor.prvkey)) == 2
    for state in (1, 2, 3, 4):
        assert client.get_processes(colony.name, 100, state, executor.prvkey) == []
    assert client.list_processes(colony.name, 100, 0, executor.prvkey,
                                 executortype="no-such-type") == []
    with pytest.raises(ServerError) as e:
        client.get_processes(colony.name, 10, 0, executor.prvkey, initiator=executor.name)
    assert_refused(e, "getprocessesmsg", 400, f"User <{executor.name}> does not exist")


def test_get_process_hist(client, colony, executor, crypto):
    other, key, _ = add_executor(client, colony)
    assert client.get_process_hist(colony.name, 60, 0, executor.prvkey) == []

    first = submit(client, executor, "first")
    second = submit(client, executor, "second")
    assert client.assign_process(colony.name, 5, executor.prvkey).processid == first.processid

    def ids(**kw):
        hist = client.get_process_hist(colony.name, kw.pop("seconds", 60), kw.pop("state"),
                                       executor.prvkey, **kw)
        assert all(isinstance(p, Process) for p in hist)
        return [p.processid for p in hist]

    assert ids(state=1) == [first.processid]
    assert ids(state=0) == [second.processid]
    assert ids(state=1, executorid=executor.id) == [first.processid]
    assert ids(state=1, executorid=crypto.id(key)) == []
    assert ids(state=2) == []
    # The server refuses the owner, a non-member, with an empty HTTP 200.
    with pytest.raises(ForbiddenError) as e:
        client.get_process_hist(colony.name, 60, 0, colony.prvkey)
    assert_refused_silently(e, "getprocesshistmsg")


def test_set_output_and_close_successful(client, executor):
    p = submit(client, executor, "x")
    client.assign_process(executor.colonyname, 5, executor.prvkey)
    assert client.set_output(p.processid, ["partial", 1], executor.prvkey) == {}
    assert client.get_process(p.processid, executor.prvkey).output == ["partial", 1]
    assert client.close_successful(p.processid, executor.prvkey, out=["done", {"k": 2}]) is None
    done = client.get_process(p.processid, executor.prvkey)
    assert done.state == ProcessState.SUCCESSFUL
    assert done.output == ["done", {"k": 2}]
    with pytest.raises(ForbiddenError) as e:  # no longer running
        client.set_output(p.processid, ["late"], executor.prvkey)
    assert_refused(e, "setoutputmsg", 403, "Failed to set output, process is not running")


def test_close_alias_replies_empty_dict(client, executor):
    p = submit(client, executor, "x")
    client.assign(executor.colonyname, 5, executor.prvkey)
    assert client.close(p.processid, ["out"], executor.prvkey) == {}
    done = client.get_process(p.processid, executor.prvkey)
    assert done.state == Colonies.SUCCESSFUL and done.output == ["out"]
    with pytest.raises(NotFoundError) as e:
        client.close_successful("0" * 64, executor.prvkey)
    assert_refused(e, "closesuccessfulmsg", 500,
                   "Failed to close process as successful, process is nil")


def test_close_failed_and_fail(client, executor):
    first, second = submit(client, executor, "1"), submit(client, executor, "2")
    client.assign_process(executor.colonyname, 5, executor.prvkey)
    client.assign_process(executor.colonyname, 5, executor.prvkey)
    assert client.close_failed(first.processid, executor.prvkey, errors=["e1", "e2"]) is None
    assert client.fail(second.processid, ["e3"], executor.prvkey) == {}
    assert client.get_process(first.processid, executor.prvkey).errors == ["e1", "e2"]
    failed = client.get_process(second.processid, executor.prvkey)
    assert failed.state == ProcessState.FAILED and failed.errors == ["e3"]
    with pytest.raises(ServerError) as e:
        client.fail(second.processid, ["again"], executor.prvkey)
    assert_refused(e, "closefailedmsg", 400, "Tried to set failed process as failed")


def test_close_by_another_executor_is_refused(client, colony, executor, crypto):
    other, key, _ = add_executor(client, colony, executor.type)
    p = submit(client, executor, "x")
    client.assign_process(colony.name, 5, executor.prvkey)
    with pytest.raises(ForbiddenError) as e:
        client.close_successful(p.processid, key)
    assert_refused(e, "closesuccessfulmsg", 403,
                   "Failed to close process as successful, not allowed to close process as "
                   "successful")
    assert client.get_process(p.processid, key).state == ProcessState.RUNNING


def test_cancel_process(client, executor):
    waiting = submit(client, executor, "w")
    assert client.cancel_process(waiting.processid, executor.prvkey) is None
    assert client.get_process(waiting.processid, executor.prvkey).state == \
        ProcessState.CANCELLED
    with pytest.raises(ServerError) as e:
        client.cancel_process(waiting.processid, executor.prvkey)
    assert_refused(e, "cancelprocessmsg", 400, "Tried to cancel already cancelled process")
    with pytest.raises(NotFoundError) as e:
        client.cancel_process("0" * 64, executor.prvkey)
    assert_refused(e, "cancelprocessmsg", 500, "Failed to cancel process, process is nil")
    # A running one can be cancelled too.
    running = submit(client, executor, "r")
    client.assign_process(executor.colonyname, 5, executor.prvkey)
    client.cancel_process(running.processid, executor.prvkey)
    assert client.get_process(running.processid, executor.prvkey).state == \
        ProcessState.CANCELLED


def test_remove_process(client, executor):
    p = submit(client, executor, "x")
    keep = submit(client, executor, "y")
    assert client.remove_process(p.processid, executor.prvkey) == {}
    with pytest.raises(NotFoundError):
        client.get_process(p.processid, executor.prvkey)
    assert [x.processid for x in client.get_processes(executor.colonyname, 10, 0,
                                                      executor.prvkey)] == [keep.processid]
    with pytest.raises(NotFoundError) as e:
        client.remove_process(p.processid, executor.prvkey, all=True)
    assert_refused(e, "removeprocessmsg", 500, "Failed to remove process, process is nil")


def test_remove_all_processes(client, colony, executor):
    """Runs in the fixture's own colony: removes everything there."""
    waiting = [submit(client, executor, str(i)).processid for i in range(3)]
    done = client.assign_process(colony.name, 5, executor.prvkey)
    client.close_successful(done.processid, executor.prvkey)
    running = client.assign_process(colony.name, 5, executor.prvkey)

    def states():
        return {s: {p.processid for p in client.get_processes(colony.name, 100, s,
                                                              executor.prvkey)}
                for s in range(5)}

    with pytest.raises(ServerError) as e:
        client.remove_all_processes(colony.name, colony.prvkey, state=ProcessState.RUNNING)
    assert_refused(e, "removeallprocessesmsg", 400, "Not possible to remove running processes")
    with pytest.raises(ForbiddenError) as e:
        client.remove_all_processes(colony.name, executor.prvkey)
    assert_refused(e, "removeallprocessesmsg", 403, "Access denied, not colony owner")

    assert client.remove_all_processes(colony.name, colony.prvkey,
                                       state=ProcessState.SUCCESSFUL) == {}
    after = states()
    assert after[2] == set() and after[1] == {running.processid}
    assert after[0] == set(waiting) - {done.processid, running.processid}

    # The default state, -1, removes every state, the running one too.
    assert client.remove_all_processes(colony.name, colony.prvkey) == {}
    assert states() == {s: set() for s in range(5)}


def test_add_child_in_a_running_workflow(client, colony, executor):
    graph = client.submit_workflow_spec({"colonyname": colony.name, "functionspecs": [
        func_spec("map", [], colony.name, executor.type, nodename="map"),
        func_spec("reduce", [], colony.name, executor.type, nodename="reduce",
                  dependencies=["map"]),
    ]}, executor.prvkey)
    parent = client.assign_process(colony.name, 5, executor.prvkey)
    assert parent.spec.nodename == "map" and parent.processgraphid == graph.processgraphid
    reduce_id = (set(graph.processids) - {parent.processid}).pop()

    child = client.add_child(graph.processgraphid, parent.processid, "",
                             func_spec("work", ["part-1"], colony.name, executor.type),
                             "work-1", False, executor.prvkey)
    assert isinstance(child, Process)
    assert child.spec.nodename == "work-1" and child.spec.args == ["part-1"]
    assert child.processgraphid == graph.processgraphid
    assert child.parents == [parent.processid]
    assert child.processid in client.get_process_graph(graph.processgraphid,
                                                       executor.prvkey).processids
    assert set(client.get_process(parent.processid, executor.prvkey).children) == {
        reduce_id, child.processid}

    # The parent must be running and assigned to the caller.
    client.close_successful(parent.processid, executor.prvkey)
    with pytest.raises(ServerError) as e:
        client.add_child(graph.processgraphid, parent.processid, "",
                         func_spec("work", [], colony.name, executor.type), "work-2", False,
                         executor.prvkey)
    assert_refused(e, "addchildmsg", 400, f"Process with Id {parent.processid} is not running")

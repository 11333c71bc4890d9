"""A colony, its executors, functions and processes, end to end."""

import time

import pytest

import colonies
from colonies import (Colonies, ColoniesConnectionError, ForbiddenError, NotFoundError, Process,
                      func_spec)


def submit(client, executor, *args, **kwargs):
    spec = func_spec("echo", list(args), executor.colonyname, executor.type, **kwargs)
    return client.submit_func_spec(spec, executor.prvkey)


def test_colony_and_executor_management(client, server, colony, crypto):
    assert colony.name in [c["name"] for c in client.list_colonies(server.prvkey)]

    keys = {name: crypto.prvkey() for name in ("a", "b", "c")}
    for name, key in keys.items():
        added = client.add_executor({"executorname": name, "executorid": crypto.id(key),
                                     "colonyname": colony.name, "executortype": "t"},
                                    colony.prvkey)
        assert added["executorname"] == name and added["state"] == 0
    client.approve_executor(colony.name, "a", colony.prvkey)
    client.reject_executor(colony.name, "b", colony.prvkey)
    assert client.get_executor(colony.name, "a", keys["a"])["state"] == 1
    # Members, not the colony's owner, may read the colony.
    assert client.get_colony(colony.name, keys["a"])["colonyid"] == crypto.id(colony.prvkey)
    states = {e["executorname"]: e["state"] for e in client.list_executors(colony.name,
                                                                           keys["a"])}
    assert states == {"a": 1, "b": 2, "c": 0}
    with pytest.raises(ForbiddenError):
        client.list_processes(colony.name, 10, 0, keys["b"])  # rejected: not a member
    client.remove_executor(colony.name, "c", colony.prvkey)
    # The server keeps a removed executor, as unregistered.
    assert client.get_executor(colony.name, "c", keys["a"])["state"] == 3

    stats = client.stats(colony.name, keys["a"])
    counts = stats["executors"], stats["activeexecutors"], stats["unregisteredexecutors"]
    assert counts == (3, 1, 1)
    assert stats["waitingprocesses"] == 0


def test_remove_colony_alias(client, server, crypto):
    key = crypto.prvkey()
    name = f"pytest-alias-{crypto.id(key)[:12]}"
    client.add_colony({"colonyid": crypto.id(key), "name": name}, server.prvkey)
    client.remove_colony(name, server.prvkey)
    assert name not in [c["name"] for c in client.list_colonies(server.prvkey) or []]


def test_functions(client, executor):
    fn = client.add_function(executor.colonyname, executor.name, "echo", executor.prvkey)
    assert fn["funcname"] == "echo" and fn["executorname"] == executor.name
    client.add_function(executor.colonyname, executor.name, "sum", executor.prvkey)
    by_executor = client.get_functions_by_executor(executor.colonyname, executor.name,
                                                   executor.prvkey)
    assert sorted(f["funcname"] for f in by_executor) == ["echo", "sum"]
    by_colony = client.get_functions_by_colony(executor.colonyname, executor.prvkey)
    assert sorted(f["funcname"] for f in by_colony) == ["echo", "sum"]
    client.remove_function(fn["functionid"], executor.prvkey)
    left = client.get_functions_by_colony(executor.colonyname, executor.prvkey)
    assert [f["funcname"] for f in left] == ["sum"]


def test_submit_assign_close(client, executor):
    client.add_function(executor.colonyname, executor.name, "echo", executor.prvkey)
    submitted = submit(client, executor, "hello", 42)
    assert isinstance(submitted, Process)
    assert submitted.state == Colonies.WAITING == colonies.ProcessState.WAITING
    assert submitted.spec.funcname == "echo" and submitted.spec.args == ["hello", 42]
    assert submitted.spec.maxexectime == -1  # the core's default, not the server's 0

    assigned = client.assign(executor.colonyname, 10, executor.prvkey)
    assert assigned.processid == submitted.processid
    assert assigned.state == Colonies.RUNNING and assigned.assignedexecutorid == executor.id

    client.set_output(assigned.processid, ["partial"], executor.prvkey)
    assert client.get_process(assigned.processid, executor.prvkey).output == ["partial"]
    client.close(assigned.processid, assigned.spec.args, executor.prvkey)

    done = client.get_process(assigned.processid, executor.prvkey)
    assert done.state == Colonies.SUCCESSFUL == 2
    assert done.output == ["hello", 42]
    assert done.endtime >= done.starttime >= done.submissiontime
    assert client.stats(executor.colonyname, executor.prvkey)["successfulprocesses"] == 1


def test_assign_with_resources(client, executor):
    submit(client, executor, "x", cpu="500m", mem="1Gi")
    with pytest.raises(colonies.ExpiredError):
        client.assign(executor.colonyname, 1, executor.prvkey, cpu="100m", mem="2Gi")
    assigned = client.assign(executor.colonyname, 5, executor.prvkey, cpu="1000m", mem="2Gi")
    assert assigned.spec.conditions.cpu == "500m"


def test_fail(client, executor):
    submitted = submit(client, executor, "x")
    assigned = client.assign(executor.colonyname, 10, executor.prvkey)
    client.fail(assigned.processid, ["it broke"], executor.prvkey)
    failed = client.get_process(submitted.processid, executor.prvkey)
    assert failed.state == Colonies.FAILED == 3
    assert failed.errors == ["it broke"]


def test_list_processes_by_state(client, executor):
    ids = [submit(client, executor, str(i)).processid for i in range(4)]
    first = client.assign(executor.colonyname, 10, executor.prvkey)
    client.close(first.processid, [], executor.prvkey)
    second = client.assign(executor.colonyname, 10, executor.prvkey)
    client.fail(second.processid, ["no"], executor.prvkey)
    third = client.assign(executor.colonyname, 10, executor.prvkey)

    def listed(state, **filters):
        return {p["processid"] for p in client.list_processes(
            executor.colonyname, 100, state, executor.prvkey, **filters) or []}

    assert listed(Colonies.WAITING) == set(ids) - {first.processid, second.processid,
                                                   third.processid}
    assert listed(Colonies.RUNNING) == {third.processid}
    assert listed(Colonies.SUCCESSFUL) == {first.processid}
    assert listed(Colonies.FAILED) == {second.processid}
    assert listed(Colonies.WAITING, executortype=executor.type) == listed(Colonies.WAITING)
    assert listed(Colonies.WAITING, executortype="other") == set()
    assert len(client.list_processes(executor.colonyname, 1, Colonies.WAITING,
                                     executor.prvkey)) == 1


def test_list_processes_of_a_new_colony(client, executor):
    # The server sends null, not [], for an empty list; pycolonies passed it on.
    for state in range(5):
        assert not client.list_processes(executor.colonyname, 10, state, executor.prvkey)


def test_remove_process(client, executor):
    p = submit(client, executor, "x")
    client.remove_process(p.processid, executor.prvkey)
    with pytest.raises(NotFoundError):
        client.get_process(p.processid, executor.prvkey)


def test_remove_all_processes(client, colony, executor):
    waiting = [submit(client, executor, str(i)).processid for i in range(3)]
    done = client.assign(executor.colonyname, 10, executor.prvkey)
    client.close(done.processid, [], executor.prvkey)

    client.remove_all_processes(colony.name, colony.prvkey, state=Colonies.SUCCESSFUL)
    with pytest.raises(NotFoundError):
        client.get_process(done.processid, executor.prvkey)
    assert len(client.list_processes(colony.name, 100, Colonies.WAITING, executor.prvkey)) == 2

    client.remove_all_processes(colony.name, colony.prvkey)  # every state
    for pid in waiting:
        with pytest.raises(NotFoundError):
            client.get_process(pid, executor.prvkey)


def test_cancel_process(client, executor):
    p = submit(client, executor, "x")
    client.cancel_process(p.processid, executor.prvkey)
    assert client.get_process(p.processid, executor.prvkey).state == Colonies.CANCELLED == 4
    with pytest.raises(colonies.ExpiredError):
        client.assign(executor.colonyname, 1, executor.prvkey)


def test_assign_timeout(client, executor):
    start = time.monotonic()
    with pytest.raises(colonies.ExpiredError) as e:
        client.assign(executor.colonyname, 1, executor.prvkey)
    elapsed = time.monotonic() - start
    assert 0.5 < elapsed < 10
    assert isinstance(e.value, ColoniesConnectionError)
    assert "No process available" in str(e.value)

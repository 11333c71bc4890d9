"""Protocol group "executors": add, list, get (by name and id), approve,
reject, remove, update (capabilities), report_allocation, pause/resume and
their status, and change_executor_id, against the real server."""

import pytest

from colonies import (Allocations, Capabilities, ExecutorState, Executor, ExpiredError,
                      ForbiddenError, NotFoundError, PauseStatus, Project, ServerError, func_spec)
from conftest import add_executor, assert_refused, not_a_member, unique


def new_executor(client, colony, crypto, approve=True):
    _, key, added = add_executor(client, colony, approve=approve)
    return added, key


def test_add_executor_is_pending(client, colony, executor, crypto):
    added, key = new_executor(client, colony, crypto, approve=False)
    assert isinstance(added, Executor)
    assert added.state == ExecutorState.PENDING == 0
    assert added.colonyname == colony.name and added.executorid == crypto.id(key)
    # A pending executor is not an (approved) member yet.
    with pytest.raises(ForbiddenError) as e:
        client.get_executor(colony.name, added.executorname, key)
    assert_refused(e, "getexecutormsg", 403, not_a_member(colony.name))
    assert client.get_executor(colony.name, added.executorname, executor.prvkey).state == 0

    with pytest.raises(ForbiddenError) as e:  # only the colony owner may add
        client.add_executor({"executorname": unique("exec"), "executorid": crypto.id(key),
                             "colonyname": colony.name, "executortype": "t"}, executor.prvkey)
    assert_refused(e, "addexecutormsg", 403, "Access denied, not colony owner")


def test_approve_reject_remove_reply_empty_dict(client, colony, executor, crypto):
    added, key = new_executor(client, colony, crypto, approve=False)
    name = added.executorname

    def state():
        return client.get_executor(colony.name, name, executor.prvkey).state

    assert client.approve_executor(colony.name, name, colony.prvkey) == {}
    assert state() == ExecutorState.APPROVED
    assert client.get_executor(colony.name, name, key).executorname == name
    assert client.reject_executor(colony.name, name, colony.prvkey) == {}
    assert state() == ExecutorState.REJECTED
    assert client.remove_executor(colony.name, name, colony.prvkey) == {}
    assert state() == ExecutorState.UNREGISTERED

    for method, msgtype, verb in ((client.approve_executor, "approveexecutormsg", "approve"),
                                  (client.reject_executor, "rejectexecutormsg", "reject"),
                                  (client.remove_executor, "removeexecutormsg", "remove")):
        with pytest.raises(NotFoundError) as e:
            method(colony.name, "no-such-executor", colony.prvkey)
        assert_refused(e, msgtype, 500, f"Failed to {verb} executor, executor is nil")


def test_get_executors(client, colony, executor, crypto):
    other, _ = new_executor(client, colony, crypto, approve=False)
    for method in (client.get_executors, client.list_executors):
        listed = method(colony.name, executor.prvkey)
        assert all(isinstance(e, Executor) for e in listed)
        assert {e.executorname: e.state for e in listed} == {executor.name: 1,
                                                             other.executorname: 0}
    with pytest.raises(ForbiddenError) as e:
        client.get_executors(colony.name, colony.prvkey)
    assert_refused(e, "getexecutorsmsg", 403, not_a_member(colony.name))


def test_get_executors_of_a_colony_without_executors(client, colony, crypto):
    # A user may ask; the server sends null, the client gives [].
    key = crypto.prvkey()
    client.add_user({"colonyname": colony.name, "userid": crypto.id(key), "name": unique("user"),
                     "email": "", "phone": ""}, colony.prvkey)
    assert client.get_executors(colony.name, key) == []
    assert client.list_executors(colony.name, key) == []


def test_get_executor_and_by_id(client, colony, executor):
    by_name = client.get_executor(colony.name, executor.name, executor.prvkey)
    by_id = client.get_executor_by_id(colony.name, executor.id, executor.prvkey)
    assert isinstance(by_id, Executor)
    assert by_name == by_id
    assert (by_id.executorname, by_id.executortype, by_id.executorid) == (executor.name,
                                                                          executor.type,
                                                                          executor.id)
    with pytest.raises(NotFoundError) as e:
        client.get_executor_by_id(colony.name, "0" * 64, executor.prvkey)
    assert_refused(e, "getexecutorbyidmsg", 404, "Failed to get executor by ID, executor is nil")
    with pytest.raises(NotFoundError) as e:
        client.get_executor(colony.name, "no-such-executor", executor.prvkey)
    assert_refused(e, "getexecutormsg", 500, "Failed to get executor, executor is nil")


def test_update_executor_capabilities(client, colony, executor):
    capabilities = {
        "hardware": [{"model": "m1", "nodes": 2, "cpu": "4000m", "cores": 8, "mem": "16Gi",
                      "storage": "1Ti", "gpu": {"name": "a100", "count": 2, "mem": "80Gi"},
                      "platform": "linux", "architecture": "amd64"}],
        "software": [{"name": "python", "type": "runtime", "version": "3.12"}],
    }
    assert client.update_executor(colony.name, executor.name, executor.prvkey,
                                  capabilities=capabilities) is None
    got = client.get_executor(colony.name, executor.name, executor.prvkey).capabilities
    assert isinstance(got, Capabilities)
    hw = got.hardware[0]
    assert (hw.model, hw.nodes, hw.cpu, hw.cores, hw.mem) == ("m1", 2, "4000m", 8, "16Gi")
    assert (hw.gpu.name, hw.gpu.count, hw.gpu.mem) == ("a100", 2, "80Gi")
    assert got.software[0].name == "python" and got.software[0].version == "3.12"


def test_update_executor_of_another_is_refused(client, colony, executor, crypto):
    other, _ = new_executor(client, colony, crypto)
    with pytest.raises(ServerError) as e:
        client.update_executor(colony.name, other.executorname, executor.prvkey,
                               capabilities={"software": [{"name": "x"}]})
    assert_refused(e, "updateexecutormsg", 400, "Only an executor can update its own capabilities")


def test_report_allocation(client, colony, executor):
    allocations = {"projects": {"p1": {"allocatedcpu": 10, "usedcpu": 3, "allocatedgpu": 1,
                                       "usedgpu": 0, "allocatedstorage": 100,
                                       "usedstorage": 40}}}
    assert client.report_allocation(colony.name, executor.name, executor.prvkey,
                                    allocations=allocations) is None
    got = client.get_executor(colony.name, executor.name, executor.prvkey).allocations
    assert isinstance(got, Allocations)
    assert got.model_dump() == allocations
    assert set(got.projects) == {"p1"}


def test_report_allocation_projects_are_project_models(client, colony, executor):
    # Allocations.projects is map<Project> in the registry: each value is a Project.
    client.report_allocation(colony.name, executor.name, executor.prvkey,
                             allocations={"projects": {"p1": {"allocatedcpu": 10,
                                                              "usedcpu": 3}}})
    got = client.get_executor(colony.name, executor.name, executor.prvkey).allocations
    assert isinstance(got.projects["p1"], Project)
    assert (got.projects["p1"].allocatedcpu, got.projects["p1"].usedcpu) == (10, 3)


def test_report_allocation_of_another_is_refused(client, colony, executor, crypto):
    other, _ = new_executor(client, colony, crypto)
    with pytest.raises(ServerError) as e:
        client.report_allocation(colony.name, other.executorname, executor.prvkey,
                                 allocations={"projects": {}})
    assert_refused(e, "reportallocationmsg", 400,
                   "Only an executor can report allocations to itself")


def test_pause_resume_and_pause_status(client, colony, executor):
    def paused():
        status = client.get_pause_status(colony.name, executor.prvkey)
        assert isinstance(status, PauseStatus) and status.colonyname == colony.name
        return status.ispaused

    assert paused() is False
    client.submit_func_spec(func_spec("echo", [], colony.name, executor.type), executor.prvkey)
    try:
        assert client.pause_assignments(colony.name, colony.prvkey) is None
        assert paused() is True
        assert client.pause_assignments(colony.name, colony.prvkey) is None  # idempotent
        with pytest.raises(ExpiredError) as e:
            client.assign_process(colony.name, 1, executor.prvkey)
        assert_refused(e, "assignprocessmsg", 408,
                       "Assignment timeout: colony assignments are paused")
    finally:
        assert client.resume_assignments(colony.name, colony.prvkey) is None
    assert paused() is False
    assert client.assign_process(colony.name, 5, executor.prvkey).state == 1

    # Pausing is the owner's; the owner, not a member, may not ask for the status.
    with pytest.raises(ForbiddenError) as e:
        client.pause_assignments(colony.name, executor.prvkey)
    assert_refused(e, "pauseassignmentsmsg", 403, "Access denied, not colony owner")
    with pytest.raises(ForbiddenError) as e:
        client.resume_assignments(colony.name, executor.prvkey)
    assert_refused(e, "resumeassignmentsmsg", 403, "Access denied, not colony owner")
    with pytest.raises(ForbiddenError) as e:
        client.get_pause_status(colony.name, colony.prvkey)
    assert_refused(e, "getpausestatusmsg", 403, not_a_member(colony.name))


def test_change_executor_id(private_colony, crypto):
    """On the private server (see the private_colony fixture), in a colony of
    its own; the executor gets its old key back afterwards."""
    client, colony, executor = private_colony.client, private_colony, private_colony.executor
    new_key = crypto.prvkey()
    assert client.change_executor_id(colony.name, crypto.id(new_key), executor.prvkey) is None
    try:
        with pytest.raises(ForbiddenError) as e:  # the old key is nobody now
            client.get_executor(colony.name, executor.name, executor.prvkey)
        assert_refused(e, "getexecutormsg", 403, not_a_member(colony.name))
        got = client.get_executor_by_id(colony.name, crypto.id(new_key), new_key)
        assert got.executorname == executor.name
    finally:
        assert client.change_executor_id(colony.name, executor.id, new_key) is None
    assert client.get_executor(colony.name, executor.name, executor.prvkey).executorid == \
        executor.id
    with pytest.raises(NotFoundError):
        client.get_executor_by_id(colony.name, crypto.id(new_key), executor.prvkey)

    with pytest.raises(ServerError) as e:
        client.change_executor_id(colony.name, "abc", executor.prvkey)
    assert_refused(e, "changeexecutoridmsg", 400,
                   "Failed to change executor Id, new executor Id is not 64 characters")

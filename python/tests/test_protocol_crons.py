"""Protocol group "crons": add_cron (pycolonies' parameters, and the
registry's Cron object through Colonies.call), get_cron, get_crons,
run_cron and remove_cron (del_cron), against the real server."""

import json

import pytest

from colonies import Cron, ForbiddenError, NotFoundError, ServerError, Workflow, func_spec
from conftest import assert_refused, not_a_member, unique

# A cron expression (with seconds) that does not fire while a test runs.
NEW_YEAR = "0 0 0 1 1 *"


def workflow(colony, executor, tag):
    wf = Workflow(colonyname=colony.name)
    wf.functionspecs.append(func_spec("tick", [tag], colony.name, executor.type,
                                      nodename="tick"))
    return wf


def test_add_cron_alias(client, colony, executor):
    name = unique("cron")
    wf = workflow(colony, executor, "a")
    cron = client.add_cron(name, NEW_YEAR, True, wf, colony.name, executor.prvkey)
    assert isinstance(cron, Cron)
    assert (cron.name, cron.colonyname, cron.cronexpression) == (name, colony.name, NEW_YEAR)
    assert cron.interval == -1  # pycolonies' add_cron: on the expression
    assert cron.waitforprevprocessgraph is True
    assert cron.initiatorname == executor.name and cron.cronid
    # The workflow travels as JSON text.
    assert isinstance(cron.workflowspec, str)
    sent = json.loads(cron.workflowspec)
    assert sent["colonyname"] == colony.name
    assert [s["funcname"] for s in sent["functionspecs"]] == ["tick"]

    got = client.get_cron(cron.cronid, executor.prvkey)
    assert isinstance(got, Cron)
    assert (got.cronid, got.name, got.interval, got.waitforprevprocessgraph) == (
        cron.cronid, name, -1, True)
    assert got.checkerperiod > 0


def test_add_cron_with_an_interval(client, colony, executor):
    wf = workflow(colony, executor, "b")
    reply = client.call("add_cron", {"cron": {
        "name": unique("cron"), "colonyname": colony.name, "interval": 3600,
        "workflowspec": wf.model_dump_json(by_alias=True)}}, executor.prvkey)
    assert reply["interval"] == 3600 and reply["cronexpression"] == ""
    got = client.get_cron(reply["cronid"], executor.prvkey)
    assert got.interval == 3600 and not got.waitforprevprocessgraph


def test_get_crons(client, colony, executor):
    assert client.get_crons(colony.name, 10, executor.prvkey) == []
    names = [unique("cron") for _ in range(3)]
    for i, name in enumerate(names):
        client.add_cron(name, NEW_YEAR, False, workflow(colony, executor, str(i)), colony.name,
                        executor.prvkey)
    crons = client.get_crons(colony.name, 10, executor.prvkey)
    assert all(isinstance(c, Cron) for c in crons)
    assert sorted(c.name for c in crons) == sorted(names)
    assert len(client.get_crons(colony.name, 2, executor.prvkey)) == 2
    with pytest.raises(ForbiddenError) as e:
        client.get_crons(colony.name, 10, colony.prvkey)
    assert_refused(e, "getcronsmsg", 403, not_a_member(colony.name))


def test_run_cron_submits_its_workflow(client, colony, executor):
    cron = client.add_cron(unique("cron"), NEW_YEAR, False, workflow(colony, executor, "now"),
                           colony.name, executor.prvkey)
    assert client.get_process_graphs(colony.name, 10, executor.prvkey) == []
    ran = client.run_cron(cron.cronid, executor.prvkey)
    assert isinstance(ran, Cron) and ran.cronid == cron.cronid
    graphs = client.get_process_graphs(colony.name, 10, executor.prvkey)
    assert len(graphs) == 1
    process = client.get_process(graphs[0].processids[0], executor.prvkey)
    assert (process.spec.funcname, process.spec.args) == ("tick", ["now"])
    with pytest.raises(NotFoundError) as e:
        client.run_cron("0" * 64, executor.prvkey)
    assert_refused(e, "runcronmsg", 400, "cron not found")


def test_remove_cron_and_del_cron(client, colony, executor):
    first = client.add_cron(unique("cron"), NEW_YEAR, False, workflow(colony, executor, "1"),
                            colony.name, executor.prvkey)
    second = client.add_cron(unique("cron"), NEW_YEAR, False, workflow(colony, executor, "2"),
                             colony.name, executor.prvkey)
    assert client.remove_cron(first.cronid, executor.prvkey) is None
    assert [c.cronid for c in client.get_crons(colony.name, 10, executor.prvkey)] == \
        [second.cronid]
    assert client.del_cron(second.cronid, executor.prvkey) == {}
    assert client.get_crons(colony.name, 10, executor.prvkey) == []
    with pytest.raises(NotFoundError) as e:
        client.get_cron(first.cronid, executor.prvkey)
    assert_refused(e, "getcronmsg", 500, "Failed to get cron, cron is nil")
    with pytest.raises(NotFoundError) as e:
        client.del_cron(first.cronid, executor.prvkey)
    assert_refused(e, "removecronmsg", 500, "Failed to remove cron, cron is nil")


def test_add_cron_refusals(client, colony, executor):
    name = unique("cron")
    client.add_cron(name, NEW_YEAR, False, workflow(colony, executor, "x"), colony.name,
                    executor.prvkey)
    with pytest.raises(ServerError) as e:
        client.add_cron(name, NEW_YEAR, False, workflow(colony, executor, "y"), colony.name,
                        executor.prvkey)
    assert_refused(e, "addcronmsg", 400,
                   f"Cron with name <{name}> in Colony <{colony.name}> already exists")
    with pytest.raises(ForbiddenError) as e:
        client.add_cron(unique("cron"), NEW_YEAR, False, workflow(colony, executor, "z"),
                        colony.name, colony.prvkey)
    assert_refused(e, "addcronmsg", 403, not_a_member(colony.name))
    assert [c.name for c in client.get_crons(colony.name, 10, executor.prvkey)] == [name]

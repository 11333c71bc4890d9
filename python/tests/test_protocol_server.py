"""Protocol group "server": version, get_server_info, get_statistics,
get_cluster and change_server_id, against the real server.

change_server_id, and emptying the server to see get_colonies' [], run only
against the private server instance (the private_server fixture), never
against the shared one.
"""

import pytest

from colonies import (Cluster, ClusterNode, Colony, ForbiddenError, ServerInfo, ServerVersion,
                      Statistics, func_spec)
from conftest import assert_refused, unique


def test_version(client):
    v = client.version()
    assert isinstance(v, ServerVersion)
    assert v.msgtype == "versionmsg"
    # The request's buildversion/buildtime are ignored: the server answers its own.
    assert client.version(buildversion="9.9.9", buildtime="then") == v


def test_get_server_info(client, server):
    info = client.get_server_info()
    assert isinstance(info, ServerInfo)
    assert info.buildversion  # "dev" unless BUILD_VERSION is set
    http = [b for b in info.backends if b.type == "http"]
    assert len(http) == 1
    assert http[0].port == server.port
    assert http[0].host == server.host


def test_get_statistics(client, server, colony, crypto):
    stats = client.get_statistics(server.prvkey)
    assert isinstance(stats, Statistics)
    assert stats.colonies >= 1  # the fixture's colony at least (exact counts: below)
    assert all(isinstance(stats[k], int) for k in Statistics._fields)

    with pytest.raises(ForbiddenError) as e:
        client.get_statistics(crypto.prvkey())
    assert_refused(e, "getstatisticsmsg", 403, "Access denied, not server owner")


def test_get_statistics_counts(private_server, crypto):
    """On the private server nobody else acts, so the counts move exactly."""
    c, key = private_server.client, private_server.prvkey
    before = c.get_statistics(key)
    colony_key, executor_key = crypto.prvkey(), crypto.prvkey()
    name, extype = unique("pytest-stats"), unique("type")
    c.add_colony({"colonyid": crypto.id(colony_key), "name": name}, key)
    try:
        executor_name = unique("exec")
        c.add_executor({"executorname": executor_name, "executorid": crypto.id(executor_key),
                        "colonyname": name, "executortype": extype}, colony_key)
        c.approve_executor(name, executor_name, colony_key)
        for i in range(2):
            c.submit_func_spec(func_spec("echo", [i], name, extype), executor_key)
        after = c.get_statistics(key)
        assert after.colonies == before.colonies + 1
        assert after.executors == before.executors + 1
        assert after.waitingprocesses == before.waitingprocesses + 2
        assert after.runningprocesses == before.runningprocesses
    finally:
        c.remove_colony(name, key)
    assert c.get_statistics(key).colonies == before.colonies


def test_get_cluster(client, server, crypto):
    cluster = client.get_cluster(server.prvkey)
    assert isinstance(cluster, Cluster)
    assert isinstance(cluster.leader, ClusterNode)
    assert cluster.leader.apiport == server.port
    assert cluster.leader in cluster.nodes
    assert all(isinstance(n, ClusterNode) and n.host for n in cluster.nodes)
    with pytest.raises(ForbiddenError) as e:
        client.get_cluster(crypto.prvkey())
    assert_refused(e, "getclustermsg", 403, "Access denied, not server owner")


def test_get_cluster_of_the_private_server(private_server):
    cluster = private_server.client.get_cluster(private_server.prvkey)
    assert cluster.leader.apiport == private_server.port
    assert [n.apiport for n in cluster.nodes] == [private_server.port]


def test_change_server_id(private_server, crypto):
    c, old_key = private_server.client, private_server.prvkey
    new_key = crypto.prvkey()

    with pytest.raises(ForbiddenError) as e:  # only the owner may hand it on
        c.change_server_id(crypto.id(new_key), new_key)
    assert_refused(e, "changeserveridmsg", 403, "Access denied, not server owner")

    assert c.change_server_id(crypto.id(new_key), old_key) is None
    try:
        with pytest.raises(ForbiddenError) as e:
            c.get_statistics(old_key)
        assert_refused(e, "getstatisticsmsg", 403, "Access denied, not server owner")
        assert isinstance(c.get_statistics(new_key), Statistics)
        assert private_server.colonyname in [x.name for x in c.get_colonies(new_key)]
    finally:
        assert c.change_server_id(crypto.id(old_key), new_key) is None
    with pytest.raises(ForbiddenError) as e:
        c.get_cluster(new_key)
    assert_refused(e, "getclustermsg", 403, "Access denied, not server owner")
    assert isinstance(c.get_statistics(old_key), Statistics)


def test_get_colonies_of_an_empty_server(private_server):
    """get_colonies is [] (the server sends null) once no colony is left;
    the private server's colony and executor are put back afterwards."""
    p = private_server
    c = p.client
    for colony in c.get_colonies(p.prvkey):
        c.remove_colony(colony.name, p.prvkey)
    try:
        assert c.get_colonies(p.prvkey) == []
        assert c.list_colonies(p.prvkey) == []
    finally:
        c.add_colony({"colonyid": p.colony_id, "name": p.colonyname}, p.prvkey)
        c.add_executor({"executorname": "dev-executor", "executorid": p.executor_id,
                        "colonyname": p.colonyname, "executortype": "dev"}, p.colony_prvkey)
        c.approve_executor(p.colonyname, "dev-executor", p.colony_prvkey)
    assert c.get_colonies(p.prvkey) == [Colony(colonyid=p.colony_id, name=p.colonyname)]
    assert c.get_executor(p.colonyname, "dev-executor", p.executor_prvkey).state == 1

"""Protocol group "logs": add_log, add_executor_log, get_logs (and
pycolonies' get_process_log / get_executor_log) and search_logs, against
the real server."""

import pytest

from colonies import ForbiddenError, InvalidArgumentError, Log, NotFoundError, func_spec
from conftest import assert_refused, unique


@pytest.fixture
def running(client, colony, executor):
    client.submit_func_spec(func_spec("echo", [], colony.name, executor.type), executor.prvkey)
    return client.assign_process(colony.name, 5, executor.prvkey)


def messages(logs):
    assert all(isinstance(line, Log) for line in logs)
    return [line.message for line in logs]


def test_add_log_and_get_logs(client, colony, executor, running):
    assert client.add_log(running.processid, "first line", executor.prvkey) == {}
    assert client.add_log(running.processid, "second line", executor.prvkey) == {}

    logs = client.get_logs(colony.name, 10, executor.prvkey, processid=running.processid)
    assert messages(logs) == ["first line", "second line"]
    assert all(line.processid == running.processid and line.executorname == executor.name
               and line.colonyname == colony.name for line in logs)
    assert logs[0].timestamp < logs[1].timestamp  # Unix nanoseconds
    assert messages(client.get_process_log(colony.name, running.processid, 10, 0,
                                           executor.prvkey)) == ["first line", "second line"]
    # since: only lines after that time; latest: the newest count lines.
    assert messages(client.get_logs(colony.name, 10, executor.prvkey,
                                    processid=running.processid,
                                    since=logs[0].timestamp)) == ["second line"]
    assert messages(client.get_process_log(colony.name, running.processid, 10,
                                           logs[0].timestamp, executor.prvkey)) == ["second line"]
    assert messages(client.get_logs(colony.name, 1, executor.prvkey, processid=running.processid,
                                    latest=True)) == ["second line"]
    assert messages(client.get_logs(colony.name, 1, executor.prvkey,
                                    processid=running.processid)) == ["first line"]


def test_add_executor_log_and_get_executor_log(client, colony, executor, running):
    assert client.add_executor_log(colony.name, executor.name, "executor line",
                                   executor.prvkey) is None
    client.add_log(running.processid, "process line", executor.prvkey)
    by_executor = client.get_logs(colony.name, 10, executor.prvkey, executorname=executor.name)
    assert messages(by_executor) == ["executor line", "process line"]
    assert by_executor[0].processid == ""
    assert messages(client.get_executor_log(colony.name, executor.name, 10, 0,
                                            executor.prvkey)) == ["executor line",
                                                                  "process line"]
    assert messages(client.get_logs(colony.name, 10, executor.prvkey,
                                    processid=running.processid)) == ["process line"]


def test_logs_that_do_not_exist_are_an_empty_list(client, colony, executor, running):
    assert client.get_logs(colony.name, 10, executor.prvkey, processid=running.processid) == []
    assert client.get_process_log(colony.name, running.processid, 10, 0, executor.prvkey) == []
    assert client.get_executor_log(colony.name, executor.name, 10, 0, executor.prvkey) == []
    assert client.search_logs(colony.name, "anything", 1, 10, executor.prvkey) == []


def test_search_logs(client, colony, executor, running):
    needle = unique("needle")
    client.add_log(running.processid, f"before {needle} after", executor.prvkey)
    client.add_log(running.processid, "hay", executor.prvkey)
    client.add_executor_log(colony.name, executor.name, f"{needle} too", executor.prvkey)
    found = client.search_logs(colony.name, needle, 1, 10, executor.prvkey)
    assert sorted(messages(found)) == sorted([f"before {needle} after", f"{needle} too"])
    assert len(client.search_logs(colony.name, needle, 1, 1, executor.prvkey)) == 1
    assert client.search_logs(colony.name, "no-such-text", 30, 100, executor.prvkey) == []


def test_log_limits_are_checked_before_sending(client, colony, executor):
    with pytest.raises(InvalidArgumentError, match="count"):
        client.get_logs(colony.name, 501, executor.prvkey, executorname=executor.name)
    with pytest.raises(InvalidArgumentError, match="days"):
        client.search_logs(colony.name, "x", 31, 10, executor.prvkey)
    with pytest.raises(InvalidArgumentError, match="count"):
        client.search_logs(colony.name, "x", 1, 101, executor.prvkey)


def test_log_refusals(client, colony, executor, running):
    client.close_successful(running.processid, executor.prvkey)
    with pytest.raises(ForbiddenError) as e:
        client.add_log(running.processid, "late", executor.prvkey)
    assert_refused(e, "addlogmsg", 403, "Failed to set output, process is not running")
    with pytest.raises(NotFoundError) as e:
        client.add_log("0" * 64, "x", executor.prvkey)
    assert_refused(e, "addlogmsg", 500, "Failed to add log, process is nil")
    with pytest.raises(NotFoundError) as e:
        client.get_logs(colony.name, 10, executor.prvkey, processid="0" * 64)
    assert_refused(e, "getlogsmsg", 500, "Failed to get logs, process does not exist")
    with pytest.raises(ForbiddenError) as e:
        client.add_executor_log(colony.name, "someone-else", "x", executor.prvkey)
    assert_refused(e, "addexecutorlogmsg", 403,
                   "Failed to add executor log, executor name mismatch")
    assert client.get_logs(colony.name, 10, executor.prvkey, executorname=executor.name) == []

"""Protocol group "functions": add_function, get_functions (and pycolonies'
get_functions_by_executor / get_functions_by_colony) and remove_function,
against the real server."""

import pytest

from colonies import ForbiddenError, Function, NotFoundError, ServerError
from conftest import add_executor, assert_refused, not_a_member


@pytest.fixture
def second_executor(client, colony, crypto):
    name, key, _ = add_executor(client, colony)
    return name, key


def test_add_and_get_functions(client, colony, executor, second_executor):
    name2, key2 = second_executor
    echo = client.add_function(colony.name, executor.name, "echo", executor.prvkey)
    assert isinstance(echo, Function)
    assert (echo.colonyname, echo.executorname, echo.funcname) == (colony.name, executor.name,
                                                                   "echo")
    assert echo.functionid and echo.counter == 0
    client.add_function(colony.name, name2, "sum", key2)

    def names(functions):
        assert all(isinstance(f, Function) for f in functions)
        return sorted((f.executorname, f.funcname) for f in functions)

    everyone = [(executor.name, "echo"), (name2, "sum")]
    assert names(client.get_functions(colony.name, executor.prvkey)) == sorted(everyone)
    assert names(client.get_functions_by_colony(colony.name, executor.prvkey)) == sorted(everyone)
    assert names(client.get_functions(colony.name, executor.prvkey, executorname=name2)) == \
        [(name2, "sum")]
    assert names(client.get_functions_by_executor(colony.name, executor.name, key2)) == \
        [(executor.name, "echo")]


def test_functions_of_nobody_are_an_empty_list(client, colony, executor):
    assert client.get_functions(colony.name, executor.prvkey) == []
    assert client.get_functions_by_colony(colony.name, executor.prvkey) == []
    assert client.get_functions_by_executor(colony.name, executor.name, executor.prvkey) == []
    assert client.get_functions(colony.name, executor.prvkey, executorname=executor.name) == []


def test_remove_function(client, colony, executor):
    fn = client.add_function(colony.name, executor.name, "echo", executor.prvkey)
    keep = client.add_function(colony.name, executor.name, "keep", executor.prvkey)
    assert client.remove_function(fn.functionid, executor.prvkey) == {}
    left = client.get_functions_by_colony(colony.name, executor.prvkey)
    assert [f.functionid for f in left] == [keep.functionid]
    with pytest.raises(NotFoundError) as e:
        client.remove_function(fn.functionid, executor.prvkey)
    assert_refused(e, "removefunctionmsg", 404,
                   "Failed to remove function, function does not exist")


def test_functions_of_another_executor_are_refused(client, colony, executor, second_executor):
    name2, key2 = second_executor
    with pytest.raises(ForbiddenError) as e:
        client.add_function(colony.name, name2, "echo", executor.prvkey)
    assert_refused(e, "addfunctionmsg", 403, "Not allowed to add a function to another executor")
    fn = client.add_function(colony.name, name2, "echo", key2)
    with pytest.raises(ForbiddenError) as e:
        client.remove_function(fn.functionid, executor.prvkey)
    assert_refused(e, "removefunctionmsg", 403,
                   "Not allowed to remove a function from another executor")
    assert [f.functionid for f in client.get_functions(colony.name, key2)] == [fn.functionid]
    with pytest.raises(ServerError) as e:
        client.add_function(colony.name, "no-such-executor", "echo", executor.prvkey)
    assert_refused(e, "addfunctionmsg", 400,
                   "Failed to add function, Executor with name <no-such-executor> does not exist")
    with pytest.raises(ForbiddenError) as e:
        client.get_functions(colony.name, colony.prvkey)
    assert_refused(e, "getfunctionsmsg", 403, not_a_member(colony.name))

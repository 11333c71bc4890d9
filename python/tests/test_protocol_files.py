"""Protocol group "files": add_file, get_file (pycolonies' filename and
latest), get_files, get_file_labels and remove_file, against the real
server. Only metadata: no bytes are moved to or from S3."""

import pytest

from colonies import (File, FileData, FileLabel, ForbiddenError, InvalidArgumentError,
                      NotFoundError, ServerError)
from conftest import assert_refused, not_a_member, unique

S3 = {"server": "s3.example", "port": 9000, "tls": True, "accesskey": "ak", "secretkey": "sk",
      "region": "r1", "encryptionkey": "", "encryptionalg": "", "bucket": "bucket"}


def add_file(client, colony, executor, label, name, size, obj=None):
    return client.add_file({"colonyname": colony.name, "label": label, "name": name,
                            "size": size, "checksum": f"sum-{size}", "checksumalg": "SHA256",
                            "ref": {"protocol": "s3",
                                    "s3object": dict(S3, object=obj or unique("obj"))}},
                           executor.prvkey)


def test_add_file_and_get_file(client, colony, executor):
    v1 = add_file(client, colony, executor, "/data", "a.txt", 10, obj="a-v1")
    assert isinstance(v1, File)
    assert (v1.colonyname, v1.label, v1.name, v1.size) == (colony.name, "/data", "a.txt", 10)
    assert v1.fileid and v1.ref.protocol == "s3"
    assert (v1.ref.s3object.bucket, v1.ref.s3object.object, v1.ref.s3object.port) == (
        "bucket", "a-v1", 9000)
    v2 = add_file(client, colony, executor, "/data", "a.txt", 11, obj="a-v2")
    assert v2.sequencenr > v1.sequencenr and v2.fileid != v1.fileid

    # pycolonies' get_file: filename for the name, the latest version by default.
    latest = client.get_file(colony.name, executor.prvkey, label="/data", filename="a.txt")
    assert all(isinstance(f, File) for f in latest)
    assert [(f.fileid, f.size) for f in latest] == [(v2.fileid, 11)]
    every = client.get_file(colony.name, executor.prvkey, label="/data", filename="a.txt",
                            latest=False)
    assert sorted((f.sequencenr, f.fileid) for f in every) == [(v1.sequencenr, v1.fileid),
                                                                (v2.sequencenr, v2.fileid)]
    by_id = client.get_file(colony.name, executor.prvkey, fileid=v1.fileid)
    assert [(f.fileid, f.checksum, f.ref.s3object.object) for f in by_id] == [
        (v1.fileid, "sum-10", "a-v1")]


def test_get_file_misses(client, colony, executor):
    with pytest.raises(NotFoundError) as e:
        client.get_file(colony.name, executor.prvkey, label="/data", filename="none.txt")
    assert_refused(e, "getfilemsg", 404, "Failed to get file")
    with pytest.raises(NotFoundError) as e:
        client.get_file(colony.name, executor.prvkey, fileid="0" * 64)
    assert_refused(e, "getfilemsg", 400, "Failed to get file")
    with pytest.raises(InvalidArgumentError):  # as pycolonies: not both
        client.get_file(colony.name, executor.prvkey, fileid="0" * 64, filename="a.txt")
    with pytest.raises(ForbiddenError) as e:
        client.get_file(colony.name, colony.prvkey, label="/data", filename="a.txt")
    assert_refused(e, "getfilemsg", 403, not_a_member(colony.name))


def test_get_files(client, colony, executor):
    assert client.get_files("/data", colony.name, executor.prvkey) == []
    add_file(client, colony, executor, "/data", "a.txt", 1, obj="a1")
    add_file(client, colony, executor, "/data", "a.txt", 2, obj="a2")
    add_file(client, colony, executor, "/data", "b.txt", 3, obj="b1")
    add_file(client, colony, executor, "/data/sub", "c.txt", 4, obj="c1")
    files = client.get_files("/data", colony.name, executor.prvkey)
    assert all(isinstance(f, FileData) for f in files)
    # The latest version of each file with exactly this label.
    assert sorted((f.name, f.size, f.checksum, f.s3filename) for f in files) == [
        ("a.txt", 2, "sum-2", "a2"), ("b.txt", 3, "sum-3", "b1")]
    assert client.get_files("/nothing", colony.name, executor.prvkey) == []


def test_get_file_labels(client, colony, executor):
    assert client.get_file_labels(colony.name, executor.prvkey) == []
    add_file(client, colony, executor, "/data", "a.txt", 1)
    add_file(client, colony, executor, "/data", "b.txt", 2)
    add_file(client, colony, executor, "/data/sub", "c.txt", 3)
    add_file(client, colony, executor, "/logs", "d.txt", 4)

    def labels(**kw):
        got = client.get_file_labels(colony.name, executor.prvkey, **kw)
        assert all(isinstance(x, FileLabel) for x in got)
        return sorted((x.name, x.files) for x in got)

    assert labels() == [("/data", 2), ("/data/sub", 1), ("/logs", 1)]
    assert labels(name="/data") == [("/data", 2), ("/data/sub", 1)]
    assert labels(name="/data", exact=True) == [("/data", 2), ("/data/sub", 1)]
    assert labels(name="/logs", exact=True) == [("/logs", 1)]
    assert labels(name="/none") == []


def test_remove_file(client, colony, executor):
    a1 = add_file(client, colony, executor, "/data", "a.txt", 1)
    add_file(client, colony, executor, "/data", "a.txt", 2)
    b = add_file(client, colony, executor, "/data", "b.txt", 3)
    # By id: that version.
    assert client.remove_file(colony.name, executor.prvkey, fileid=b.fileid) is None
    with pytest.raises(NotFoundError):
        client.get_file(colony.name, executor.prvkey, fileid=b.fileid)
    # By label and name: every version.
    assert client.remove_file(colony.name, executor.prvkey, label="/data", name="a.txt") is None
    with pytest.raises(NotFoundError):
        client.get_file(colony.name, executor.prvkey, fileid=a1.fileid)
    assert client.get_files("/data", colony.name, executor.prvkey) == []
    assert client.get_file_labels(colony.name, executor.prvkey) == []
    with pytest.raises(ServerError) as e:
        client.remove_file(colony.name, executor.prvkey)
    assert_refused(e, "removefilemsg", 400, "malformatted remove file msg")

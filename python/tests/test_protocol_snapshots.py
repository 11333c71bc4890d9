"""Protocol group "snapshots": create_snapshot, get_snapshot (and
pycolonies' get_snapshot_by_name / get_snapshot_by_id), get_snapshots,
remove_snapshot and remove_all_snapshot, against the real server. Files are
metadata only (add_file): no bytes are moved."""

import pytest

from colonies import ForbiddenError, NotFoundError, ServerError, Snapshot
from conftest import assert_refused, not_a_member, unique


def add_file(client, colony, executor, label, name, size=1):
    return client.add_file({"colonyname": colony.name, "label": label, "name": name,
                            "size": size, "checksum": f"c{size}", "checksumalg": "SHA256",
                            "ref": {"protocol": "s3", "s3object": {"bucket": "b",
                                                                   "object": unique("o")}}},
                           executor.prvkey)


def test_create_and_get_snapshot(client, colony, executor):
    a1 = add_file(client, colony, executor, "/data", "a.txt", 1)
    a2 = add_file(client, colony, executor, "/data", "a.txt", 2)  # a newer version
    b = add_file(client, colony, executor, "/data/sub", "b.txt", 3)
    add_file(client, colony, executor, "/other", "c.txt", 4)

    name = unique("snap")
    snap = client.create_snapshot(colony.name, "/data", name, executor.prvkey)
    assert isinstance(snap, Snapshot)
    assert (snap.colonyname, snap.label, snap.name) == (colony.name, "/data", name)
    # The latest version of each file under the label and its sub-labels.
    assert sorted(snap.fileids) == sorted([a2.fileid, b.fileid])
    assert a1.fileid not in snap.fileids

    for got in (client.get_snapshot(colony.name, executor.prvkey, snapshotid=snap.snapshotid),
                client.get_snapshot(colony.name, executor.prvkey, name=name),
                client.get_snapshot_by_id(colony.name, snap.snapshotid, executor.prvkey),
                client.get_snapshot_by_name(colony.name, name, executor.prvkey)):
        assert isinstance(got, Snapshot)
        assert (got.snapshotid, got.name, got.label) == (snap.snapshotid, name, "/data")
        assert sorted(got.fileids) == sorted(snap.fileids)


def test_get_snapshots(client, colony, executor):
    assert client.get_snapshots(colony.name, executor.prvkey) == []
    first = client.create_snapshot(colony.name, "/x", unique("snap"), executor.prvkey)
    second = client.create_snapshot(colony.name, "/y", unique("snap"), executor.prvkey)
    snaps = client.get_snapshots(colony.name, executor.prvkey)
    assert all(isinstance(s, Snapshot) for s in snaps)
    assert [s.snapshotid for s in snaps] == [second.snapshotid, first.snapshotid]  # newest first
    with pytest.raises(ForbiddenError) as e:
        client.get_snapshots(colony.name, colony.prvkey)
    assert_refused(e, "getsnapshotsmsg", 403, not_a_member(colony.name))


def test_remove_snapshot_by_id_and_by_name(client, colony, executor):
    by_id = client.create_snapshot(colony.name, "/x", unique("snap"), executor.prvkey)
    by_name = client.create_snapshot(colony.name, "/x", unique("snap"), executor.prvkey)
    assert client.remove_snapshot(colony.name, executor.prvkey,
                                  snapshotid=by_id.snapshotid) is None
    assert [s.name for s in client.get_snapshots(colony.name, executor.prvkey)] == [by_name.name]
    assert client.remove_snapshot(colony.name, executor.prvkey, name=by_name.name) is None
    assert client.get_snapshots(colony.name, executor.prvkey) == []
    with pytest.raises(NotFoundError) as e:
        client.get_snapshot_by_name(colony.name, by_name.name, executor.prvkey)
    assert_refused(e, "getsnapshotmsg", 500, f"Snapshot not found with name <{by_name.name}> in "
                   f"Colony <{colony.name}> does not exists")
    with pytest.raises(NotFoundError) as e:
        client.get_snapshot_by_id(colony.name, by_id.snapshotid, executor.prvkey)
    assert_refused(e, "getsnapshotmsg", 500, f"Snapshot not found with Id <{by_id.snapshotid}> "
                   f"in Colony <{colony.name}> does not exists")


def test_remove_all_snapshot(client, colony, executor):
    """Runs in the fixture's own colony: removes every snapshot there, not the files."""
    f = add_file(client, colony, executor, "/keep", "f.txt")
    for _ in range(3):
        client.create_snapshot(colony.name, "/keep", unique("snap"), executor.prvkey)
    assert len(client.get_snapshots(colony.name, executor.prvkey)) == 3
    assert client.remove_all_snapshot(colony.name, executor.prvkey) is None
    assert client.get_snapshots(colony.name, executor.prvkey) == []
    assert [x.fileid for x in client.get_file(colony.name, executor.prvkey, fileid=f.fileid)] == \
        [f.fileid]


def test_duplicate_snapshot_name(client, colony, executor):
    name = unique("snap")
    client.create_snapshot(colony.name, "/x", name, executor.prvkey)
    with pytest.raises(ServerError) as e:
        client.create_snapshot(colony.name, "/y", name, executor.prvkey)
    assert_refused(e, "createsnapshotmsg", 500,
                   f"Snapshot with name <{name}> in Colony <{colony.name}> already exists")
    assert [s.label for s in client.get_snapshots(colony.name, executor.prvkey)] == ["/x"]

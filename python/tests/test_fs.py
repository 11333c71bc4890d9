"""The colony file system through the Python package, against the real
Colonies server and the real S3 server of scripts/s3-server (its address and
keys from the AWS_S3_* variables): pycolonies' file scenarios with
pycolonies' calls, and files moving between pycolonies (from PyPI) and us in
both directions."""

import hashlib
import os
import subprocess
import sys
import textwrap

import pytest

from colonies import Colonies, File, NotFoundError
from colonies.errors import ForbiddenError, LocalFileError
from conftest import unique

PYCOLONIES = os.path.join(os.environ.get("PYCOLONIES_VENV", ""), "bin", "python")


@pytest.fixture(autouse=True)
def s3_env():
    missing = [v for v in ("AWS_S3_ENDPOINT", "AWS_S3_ACCESSKEY", "AWS_S3_SECRETKEY", "AWS_S3_BUCKET")
               if not os.environ.get(v)]
    if missing:
        pytest.fail(f"{', '.join(missing)} not set: run eval \"$(scripts/s3-server env)\" first",
                    pytrace=False)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_upload_download_get_delete(client, colony, executor, tmp_path):
    """pycolonies' scenario: upload_file, get_file, download_file, upload_data,
    download_data, get_files, get_file_labels, delete_file."""
    key = executor.prvkey
    src = tmp_path / "hello.txt"
    src.write_text("hello world ✓\n", encoding="utf-8")
    f = client.upload_file(colony.name, key, filepath=str(src), label="/testprefix")
    assert isinstance(f, File)
    assert (f.label, f.name, f.size, f.checksum) == ("/testprefix", "hello.txt", src.stat().st_size,
                                                     sha256(src))

    got = client.get_file(colony.name, key, label="/testprefix", filename="hello.txt")
    assert [x.fileid for x in got] == [f.fileid]

    dst = tmp_path / "download"
    # pycolonies returns the downloaded file's path.
    assert client.download_file(colony.name, key, dst=str(dst), label="/testprefix",
                                filename="hello.txt") == str(dst / "hello.txt")
    assert (dst / "hello.txt").read_bytes() == src.read_bytes()
    # As in pycolonies: not both fileid and filename, a ValueError before anything is sent.
    for method in (client.download_file, client.download_data):
        with pytest.raises(ValueError, match="fileid and name may not both be set"):
            method(colony.name, key, fileid="123", filename="hello.txt")

    data = client.upload_data(colony.name, key, filename="bytes.bin", data=b"\x00\xffdata",
                              label="/testprefix")
    assert data.size == 6
    assert client.download_data(colony.name, key, label="/testprefix",
                                filename="bytes.bin") == b"\x00\xffdata"
    assert client.download_data(colony.name, key, fileid=data.fileid) == b"\x00\xffdata"

    names = sorted(x.name for x in client.get_files("/testprefix", colony.name, key))
    assert names == ["bytes.bin", "hello.txt"]
    labels = client.get_file_labels(colony.name, key)
    assert [(x.name, x.files) for x in labels] == [("/testprefix", 2)]

    client.delete_file(colony.name, key, label="/testprefix", filename="hello.txt")
    with pytest.raises(NotFoundError):
        client.get_file(colony.name, key, label="/testprefix", filename="hello.txt")
    client.delete_file(colony.name, key, fileid=data.fileid)
    with pytest.raises(NotFoundError):
        client.download_data(colony.name, key, fileid=data.fileid)


def test_sync_both_ways(client, colony, executor, tmp_path):
    """pycolonies' sync(dir, label, keeplocal, colonyname, prvkey), both ways,
    with a subdirectory and a conflict settled each way."""
    key = executor.prvkey
    a, b = tmp_path / "a", tmp_path / "b"
    (a / "sub").mkdir(parents=True)
    (a / "x.txt").write_text("x")
    (a / "sub" / "y.txt").write_text("y")
    planned = client.sync(str(a), "/sync", False, colony.name, key, dry_run=True)
    assert sorted((p.label, tuple(p.upload)) for p in planned) == [("/sync", ("x.txt",)),
                                                                   ("/sync/sub", ("y.txt",))]
    assert client.get_file_labels(colony.name, key) == []  # a dry run changes nothing
    client.sync(str(a), "/sync", False, colony.name, key)
    client.sync(str(b), "/sync", False, colony.name, key)
    assert (b / "x.txt").read_text() == "x" and (b / "sub" / "y.txt").read_text() == "y"

    (a / "x.txt").write_text("x from a")
    (b / "x.txt").write_text("x from b")
    plans = client.sync(str(a), "/sync", True, colony.name, key)  # a's wins: a new version
    assert [p.conflicts for p in plans if p.conflicts] == [["x.txt"]]
    client.sync(str(b), "/sync", False, colony.name, key)  # b takes the remote's
    assert (b / "x.txt").read_text() == "x from a"
    assert len(client.get_file(colony.name, key, label="/sync", filename="x.txt", latest=False)) == 2


def run_pycolonies(code, tmp_path):
    """Runs code with pycolonies from PyPI in its own venv; returns its stdout."""
    if not os.path.exists(PYCOLONIES):
        pytest.fail("PYCOLONIES_VENV is not set to a venv with pycolonies", pytrace=False)
    script = tmp_path / "pyc.py"
    script.write_text(textwrap.dedent(code), encoding="utf-8")
    done = subprocess.run([PYCOLONIES, str(script)], capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_files_between_pycolonies_and_us(client, colony, executor, tmp_path):
    key = executor.prvkey
    theirs = tmp_path / "from pycolonies ñ.txt"
    theirs.write_text("written by pycolonies ✓", encoding="utf-8")
    ours = tmp_path / "from libcolonies.bin"
    ours.write_bytes(os.urandom(3 * 1024 * 1024 + 7))
    # pycolonies uploads; we download.
    run_pycolonies(f"""
        from pycolonies import Colonies
        c = Colonies({os.environ["COLONIES_SERVER_HOST"]!r}, {os.environ["COLONIES_SERVER_PORT"]})
        c.upload_file({colony.name!r}, {key!r}, filepath={str(theirs)!r}, label="/interop")
    """, tmp_path)
    dst = tmp_path / "ours"
    client.download_file(colony.name, key, dst=str(dst), label="/interop", filename=theirs.name)
    assert (dst / theirs.name).read_bytes() == theirs.read_bytes()

    # We upload; pycolonies downloads, to a file and into memory.
    client.upload_file(colony.name, key, filepath=str(ours), label="/interop")
    out = run_pycolonies(f"""
        import hashlib
        from pycolonies import Colonies
        c = Colonies({os.environ["COLONIES_SERVER_HOST"]!r}, {os.environ["COLONIES_SERVER_PORT"]})
        c.download_file({colony.name!r}, {key!r}, dst={str(tmp_path / "theirs")!r}, label="/interop",
                        filename={ours.name!r})
        data = c.download_data({colony.name!r}, {key!r}, label="/interop", filename={ours.name!r})
        print(hashlib.sha256(open({str(tmp_path / "theirs" / ours.name)!r}, "rb").read()).hexdigest())
        print(hashlib.sha256(data).hexdigest())
    """, tmp_path)
    assert out.split() == [sha256(ours), sha256(ours)]


def test_errors_leave_no_metadata(server, colony, executor, tmp_path):
    key = executor.prvkey
    src = tmp_path / "f.txt"
    src.write_text("f")
    bad = Colonies(server.host, server.port, s3_secretkey="wrong")
    with pytest.raises(ForbiddenError, match="refused the credentials"):
        bad.upload_file(colony.name, key, filepath=str(src), label="/err")
    bad.release()
    good = Colonies(server.host, server.port)
    with pytest.raises(NotFoundError):
        good.get_file(colony.name, key, label="/err", filename="f.txt")
    with pytest.raises(LocalFileError, match="nope"):
        good.upload_file(colony.name, key, filepath=str(tmp_path / "nope"), label="/err")
    # LocalFileError is an OSError too, as a missing file is in Python.
    with pytest.raises(OSError):
        good.upload_file(colony.name, key, filepath=str(tmp_path / "nope"), label="/err")
    good.release()

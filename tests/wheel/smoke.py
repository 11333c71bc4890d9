"""The installed wheel against the real server, run from outside the
repository by tests/wheel/run.sh: the package comes from the venv, an
executor runtime runs in a thread, and a client submits an echo and a
workflow and reads them back. Exits non-zero on any difference."""

import os
import subprocess
import sys
import threading
import uuid

import colonies
from colonies import Colonies, Crypto, ExecutorRuntime, Workflow, func_spec

here = os.path.dirname(os.path.abspath(colonies.__file__))
assert "site-packages" in here, f"colonies comes from {here}, not from the venv"
print(f"colonies {colonies.__version__} from {here}")

# The drop-in libcryptolib.so ships inside, and says where.
lib = subprocess.run([sys.executable, "-m", "colonies.cryptolib"], capture_output=True, text=True,
                     check=True).stdout.strip()
assert os.path.exists(lib) and lib.startswith(here), lib
print(f"cryptolib: {lib}")

env = {k: os.environ[k] for k in ("COLONIES_SERVER_HOST", "COLONIES_SERVER_PORT", "COLONIES_SERVER_PRVKEY")}
client = Colonies(env["COLONIES_SERVER_HOST"], int(env["COLONIES_SERVER_PORT"]))
crypto = Crypto()
colony_key = crypto.prvkey()
colony = f"wheel-{uuid.uuid4().hex[:8]}"
client.add_colony({"colonyid": crypto.id(colony_key), "name": colony}, env["COLONIES_SERVER_PRVKEY"])
try:
    def echo(*args):
        return args

    def double(n):
        return 2 * n

    runtime = ExecutorRuntime(client, colony, "wheel-smoke", colony_prvkey=colony_key, functions=[echo, double],
                              assign_timeout=1).register()
    thread = threading.Thread(target=runtime.run, daemon=True)
    thread.start()
    key = runtime.info["prvkey"]

    process = client.submit(func_spec("echo", ["héllo wörld ✓"], colony, "wheel-smoke"), key)
    done = client.wait(process, 30, key)
    assert done.output == ["héllo wörld ✓"], done.output
    print(f"echo: {done.output[0]}")

    wf = Workflow(colony)
    wf.add(func_spec("echo", [21], colony, "wheel-smoke"), nodename="first", dependencies=[])
    wf.add(func_spec("double", [], colony, "wheel-smoke"), nodename="second", dependencies=["first"])
    graph = client.submit(wf, key)
    last = client.find_process("second", graph.processids, key)
    result = client.wait(last, 30, key)
    assert result.output == [42], result.output
    print(f"workflow: {result.output[0]}")

    # asyncio: the same processes, read together.
    import asyncio
    from colonies.aio import AsyncColonies

    async def read_both():
        async with AsyncColonies(env["COLONIES_SERVER_HOST"], int(env["COLONIES_SERVER_PORT"])) as c:
            return await asyncio.gather(c.get_process(done.processid, key), c.get_process(result.processid, key))
    both = asyncio.run(read_both())
    assert [p.output for p in both] == [["héllo wörld ✓"], [42]], both
    print("asyncio: both read")

    # The colony file system: S3 through the libcurl the wheel carries (scripts/s3-server's, from AWS_S3_*).
    stored = client.upload_data(colony, key, filename="wheel.bin", data=b"from the wheel", label="/wheel")
    assert client.download_data(colony, key, fileid=stored.fileid) == b"from the wheel"
    client.delete_file(colony, key, fileid=stored.fileid)
    print("files: up and down through S3")

    # TLS through the libcurl and OpenSSL the wheel carries (scripts/tls-front's test CA): trusted
    # with the CA as the bundle, refused without it, since the bundle is trusted alone.
    tls_port = int(os.environ["COLONIES_TLS_PORT"])
    with Colonies("127.0.0.1", tls_port, tls=True, ca_bundle=os.environ["COLONIES_TLS_CA"]) as secure:
        assert secure.get_process(done.processid, key).output == ["héllo wörld ✓"]
    with Colonies("127.0.0.1", tls_port, tls=True, ca_bundle=os.environ["COLONIES_TLS_OTHER_CA"]) as wrong:
        try:
            wrong.get_process(done.processid, key)
            raise AssertionError("a server whose CA is not in the bundle was trusted")
        except colonies.TransportError as e:
            assert "certificate" in str(e), e
    print("TLS: trusted with the test CA, refused with another")

    runtime.stop()
    thread.join(30)
finally:
    client.del_colony(colony, env["COLONIES_SERVER_PRVKEY"])
    client.release()
print("the installed wheel works")

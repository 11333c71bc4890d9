#!/usr/bin/env python3
"""Large files through the colony file system: libcolonies' Python package
beside boto3 (what pycolonies moves bytes with), in one run, interleaved,
against the S3 server of scripts/s3-server.

    bench/bench_fs.py [--size-mib N] [--rounds R] PYCOLONIES_PYTHON

Each transfer runs in a process of its own, so that its peak resident
memory (ru_maxrss) is that transfer's. libcolonies uploads with
upload_file (the bytes to S3, the metadata to the Colonies server) and
downloads with download_file (checking the SHA-256); boto3 uploads and
downloads the object alone, as pycolonies does before and after its
metadata call. Prints MiB/s and peak memory for each, and fails when a
download differs from what was uploaded or when a libcolonies transfer
peaks above 64 MiB (a file is streamed, never held in memory).
"""
import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

LIMIT_MIB = 64

OURS = r"""
import json, os, resource, sys, time
from colonies import Colonies
op, path, label, colony, key = sys.argv[1:6]
c = Colonies(os.environ["COLONIES_SERVER_HOST"], int(os.environ["COLONIES_SERVER_PORT"]))
t = time.perf_counter()
if op == "upload":
    f = c.upload_file(colony, key, filepath=path, label=label)
    extra = f.checksum
elif op == "delete":
    extra = str(len(c.delete_file(colony, key, label=label, filename=os.environ["BENCH_NAME"])))
else:
    c.download_file(colony, key, dst=path, label=label, filename=os.environ["BENCH_NAME"])
    extra = ""
s = time.perf_counter() - t
print(json.dumps({"seconds": s, "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "extra": extra}))
"""

BOTO = r"""
import json, os, resource, sys, time, uuid
import boto3
op, path, objkey = sys.argv[1:4]
e = os.environ
s3 = boto3.client("s3", endpoint_url="http://" + e["AWS_S3_ENDPOINT"], aws_access_key_id=e["AWS_S3_ACCESSKEY"],
                  aws_secret_access_key=e["AWS_S3_SECRETKEY"], region_name=e.get("AWS_S3_REGION") or None)
bucket = e["AWS_S3_BUCKET"]
t = time.perf_counter()
if op == "upload":
    s3.upload_file(path, bucket, objkey)
elif op == "delete":
    s3.delete_object(Bucket=bucket, Key=objkey)
else:
    s3.download_file(bucket, objkey, path)
s = time.perf_counter() - t
print(json.dumps({"seconds": s, "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "extra": ""}))
"""


def run(python, code, args, env=None):
    done = subprocess.run([python, "-c", code, *args], capture_output=True, text=True, env=env, timeout=1800)
    if done.returncode != 0:
        sys.exit(f"bench_fs: {' '.join(args[:1])} failed:\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pycolonies_python", help="a Python with boto3 (pycolonies' venv)")
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=1)
    a = ap.parse_args()
    for v in ("COLONIES_SERVER_HOST", "COLONIES_SERVER_PORT", "COLONIES_PRVKEY", "COLONIES_COLONY_NAME",
              "AWS_S3_ENDPOINT", "AWS_S3_BUCKET"):
        if not os.environ.get(v):
            sys.exit(f"bench_fs: {v} is not set (eval the env of scripts/colonies-server and scripts/s3-server)")
    colony, key = os.environ["COLONIES_COLONY_NAME"], os.environ["COLONIES_PRVKEY"]
    size = a.size_mib << 20
    failures = []
    with tempfile.TemporaryDirectory(prefix="bench-fs-") as tmp:
        src = os.path.join(tmp, "large.bin")
        with open(src, "wb") as f:
            block = os.urandom(1 << 20)
            for i in range(a.size_mib):
                # Every MiB differs, so that no two parts are alike.
                f.write(hashlib.sha256(i.to_bytes(8, "little")).digest() + block[32:])
        want = sha256(src)
        label = f"/bench-fs-{os.getpid()}"
        env = dict(os.environ, BENCH_NAME="large.bin")
        results = {"libcolonies": {"upload": [], "download": []}, "boto3": {"upload": [], "download": []}}
        rss = {"libcolonies": 0, "boto3": 0}
        for r in range(a.rounds):
            for who in ("libcolonies", "boto3"):
                dst = os.path.join(tmp, f"{who}-{r}")
                if who == "libcolonies":
                    up = run(sys.executable, OURS, ["upload", src, label, colony, key], env)
                    if up["extra"] != want:
                        failures.append(f"libcolonies recorded checksum {up['extra']}, the file's is {want}")
                    down = run(sys.executable, OURS, ["download", dst, label, colony, key], env)
                    got = sha256(os.path.join(dst, "large.bin"))
                else:
                    objkey = f"bench-{os.getpid()}-{r}"
                    up = run(a.pycolonies_python, BOTO, ["upload", src, objkey])
                    down = run(a.pycolonies_python, BOTO, ["download", dst, objkey])
                    got = sha256(dst)
                if got != want:
                    failures.append(f"{who} round {r}: the download differs from the upload")
                results[who]["upload"].append(size / up["seconds"] / 2**20)
                results[who]["download"].append(size / down["seconds"] / 2**20)
                rss[who] = max(rss[who], up["maxrss_kib"], down["maxrss_kib"])
                for p in (dst, os.path.join(dst, "large.bin")):
                    if os.path.isfile(p):
                        os.unlink(p)
                if who == "boto3":
                    run(a.pycolonies_python, BOTO, ["delete", "", objkey])
        # What was uploaded, metadata and bytes, is removed again.
        removed = run(sys.executable, OURS, ["delete", "", label, colony, key], env)
        if removed["extra"] != str(a.rounds):
            failures.append(f"delete_file removed {removed['extra']} versions, not {a.rounds}")
    print(f"a {a.size_mib} MiB file, {a.rounds} round(s), interleaved; each transfer in a process of its own")
    print(f"| client | upload MiB/s | download MiB/s | peak memory MiB |")
    print(f"|---|---|---|---|")
    for who in ("libcolonies", "boto3"):
        up, down = results[who]["upload"], results[who]["download"]
        print(f"| {who} | {statistics.median(up):.0f} | {statistics.median(down):.0f} | {rss[who] / 1024:.1f} |")
    ours_up = statistics.median(results["libcolonies"]["upload"])
    ours_down = statistics.median(results["libcolonies"]["download"])
    print(f"libcolonies / boto3: upload {ours_up / statistics.median(results['boto3']['upload']):.2f}, "
          f"download {ours_down / statistics.median(results['boto3']['download']):.2f}")
    if rss["libcolonies"] / 1024 > LIMIT_MIB:
        failures.append(f"libcolonies peaked at {rss['libcolonies'] / 1024:.1f} MiB, above {LIMIT_MIB} MiB")
    for f in failures:
        print("FAILED:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

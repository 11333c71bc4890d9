#!/usr/bin/env bash
# The Go module as a user gets it: serves go/ from a local module proxy
# (GOPROXY=file://..., laid out as proxy.golang.org serves a tag go/vX.Y.Z of
# a module in a subdirectory), and, in a module outside the repository with
# no replace directive, runs go get, go vet and the Go examples (an executor
# and the seed's examples against it) on the installed core (pkg-config, no
# SWIG). Usage: tests/gomodule/run.sh [WORK_DIR]; needs the server's
# COLONIES_* environment and PKG_CONFIG_PATH naming the installed core.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${1:-${TMPDIR:-/tmp}/libcolonies-gomodule-test}
MODULE=github.com/colonyos/libcolonies/go
VERSION=v$(sed -n 's/^project(colonies VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")
rm -rf "$WORK"
mkdir -p "$WORK/proxy/$MODULE/@v" "$WORK/consumer"

echo "--- serving $MODULE $VERSION from a file proxy"
python3 - "$ROOT/go" "$MODULE" "$VERSION" "$WORK/proxy/$MODULE/@v" <<'PY'
import datetime, json, os, sys, zipfile
src, module, version, out = sys.argv[1:]
with zipfile.ZipFile(os.path.join(out, version + ".zip"), "w", zipfile.ZIP_DEFLATED) as z:
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            z.write(path, f"{module}@{version}/" + os.path.relpath(path, src))
with open(os.path.join(src, "go.mod")) as f, open(os.path.join(out, version + ".mod"), "w") as g:
    g.write(f.read())
with open(os.path.join(out, version + ".info"), "w") as f:
    json.dump({"Version": version, "Time": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}, f)
with open(os.path.join(out, "list"), "w") as f:
    f.write(version + "\n")
PY

echo "--- a module outside the repository: go get, go vet, go build"
cp -r "$ROOT/examples/go/executor" "$ROOT/examples/go/seed" "$WORK/consumer/"
cd "$WORK/consumer"
export GOPROXY="file://$WORK/proxy" GOSUMDB=off GOFLAGS=-modcacherw GOMODCACHE="$WORK/modcache"
go mod init example.com/consumer >/dev/null 2>&1
go get "$MODULE@$VERSION"
grep -q "replace" go.mod && { echo "go.mod has a replace directive"; exit 1; }
go vet ./...
go build -o bin/ ./...

echo "--- the Go examples, built from the fetched module"
export EXECUTOR_TYPE="gomodule-$$"
bin/executor >executor.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 200); do grep -q "executor ready" executor.log && break; sleep 0.05; done
bin/seed | tee seed.out
kill -TERM $pid
wait $pid
test "$(wc -l <seed.out)" = 6
! grep -q "the seed says" seed.out
echo "the module from the proxy builds, vets and runs the examples"

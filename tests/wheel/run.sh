#!/usr/bin/env bash
# The wheel as a user gets it: builds the sdist and, from it, the wheel
# (python -m build, with scikit-build-core and SWIG from PyPI), repairs the
# wheel with auditwheel so it carries its native libraries, checks with
# auditwheel and ldd that it needs nothing outside the manylinux set, installs
# it into a fresh venv outside the repository, and runs tests/wheel/smoke.py
# there against the server (an echo round trip, a workflow, asyncio, S3 and
# TLS through the libraries it carries).
#
#   eval "$(scripts/colonies-server env)"; eval "$(scripts/s3-server env)"
#   eval "$(scripts/tls-front env)"; tests/wheel/run.sh [OUT_DIR]
# Needs python3 with build and auditwheel (scripts/requirements.txt).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-${TMPDIR:-/tmp}/libcolonies-wheel-test}
PLAT=manylinux_2_34_x86_64
rm -rf "$OUT"
mkdir -p "$OUT/dist" "$OUT/wheelhouse"

echo "--- building the sdist, and the wheel from it"
(cd "$ROOT" && python3 -m build --outdir "$OUT/dist" . >"$OUT/build.log" 2>&1) || { tail -40 "$OUT/build.log"; exit 1; }
ls -l "$OUT/dist"

echo "--- repairing the wheel for $PLAT"
auditwheel repair --plat "$PLAT" -w "$OUT/wheelhouse" "$OUT"/dist/*.whl >"$OUT/repair.log" 2>&1 ||
    { cat "$OUT/repair.log"; exit 1; }
wheel=$(ls "$OUT"/wheelhouse/*.whl)
echo "wheel: $(basename "$wheel"), $(du -h "$wheel" | cut -f1)"
auditwheel show "$wheel" | tee "$OUT/show.txt"
grep -q "is consistent with the following platform tag: \"$PLAT\"" <(tr '\n' ' ' <"$OUT/show.txt" | tr -s ' ') ||
    { echo "auditwheel does not find the wheel consistent with $PLAT"; exit 1; }

echo "--- installing it into a fresh venv outside the repository"
venv="$OUT/venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --no-index "$wheel"
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["platlib"])')
# Every library the package's objects load is the wheel's own or in the manylinux set.
python3 "$ROOT/tests/wheel/check_libs.py" "$PLAT" "$site"

echo "--- running tests/wheel/smoke.py with the installed package"
cd "$OUT"
env -u PYTHONPATH "$venv/bin/python" "$ROOT/tests/wheel/smoke.py"

# Shared by scripts/test and scripts/demo: installing what the build needs
# and building. Source it; it expects ROOT to be the repository's top.

# Debian packages the build and the tests need. postgresql is installed by
# scripts/colonies-server itself; SWIG, pytest and the wheel tools come from
# PyPI (scripts/requirements.txt), and Go from the Go module proxy when
# Debian's is too old (ensure_go).
DEBIAN_PACKAGES="build-essential cmake ninja-build pkg-config libcurl4-openssl-dev libcjson-dev
libsecp256k1-dev libwslay-dev libssl-dev python3 python3-dev python3-venv curl ca-certificates valgrind clang libclang-rt-dev"

# The Go that the Go module, the server's module (1.24) and the S3 server's
# (versitygw, 1.25) need.
GO_MIN=1.25
GO_FETCH=go1.25.14

step() { printf '\n=== %s ===\n' "$*"; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi
}

install_deps() {
    local missing=() p
    for p in $DEBIAN_PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        step "installing ${missing[*]}"
        as_root apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
    fi
    ensure_go
    tools_venv
}

# 0 when version $1 (like 1.24.3) is at least $2 (like 1.24).
version_at_least() {
    [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]
}

# A Go of at least GO_MIN on PATH: the machine's if new enough, else the
# toolchain the Go module proxy serves (golang.org/toolchain), as go's own
# GOTOOLCHAIN switch fetches it, unpacked under $ROOT/build/toolchain.
ensure_go() {
    local have=""
    command -v go >/dev/null && have=$(go env GOVERSION 2>/dev/null | sed 's/^go//')
    if [ -n "$have" ] && version_at_least "$have" "$GO_MIN"; then return 0; fi
    local dir="$ROOT/build/toolchain/$GO_FETCH" zip
    if [ ! -x "$dir/bin/go" ]; then
        step "fetching $GO_FETCH from the Go module proxy (the machine's Go is ${have:-missing}; $GO_MIN is needed)"
        zip=$(mktemp)
        curl -fsSL -o "$zip" "${GOPROXY_URL:-https://proxy.golang.org}/golang.org/toolchain/@v/v0.0.1-$GO_FETCH.linux-amd64.zip"
        mkdir -p "$dir"
        python3 - "$zip" "$dir" <<'PY'
import os, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
prefix = None
with zipfile.ZipFile(src) as z:
    for info in z.infolist():
        # Entries are golang.org/toolchain@<version>/...: strip that.
        name = info.filename.split("/", 2)[-1] if info.filename.count("/") >= 2 else ""
        if not name or info.is_dir():
            continue
        path = os.path.join(dst, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with z.open(info) as f, open(path, "wb") as out:
            out.write(f.read())
        os.chmod(path, (info.external_attr >> 16) & 0o777 or 0o644)
PY
        rm -f "$zip"
    fi
    export PATH="$dir/bin:$PATH"
    go version
}

# The pinned PyPI tools (scripts/requirements.txt) in a venv of their own,
# first on PATH: SWIG, pytest, the wheel tools. Made anew when the pins change.
tools_venv() {
    local venv="$ROOT/build/tools" stamp
    stamp="$venv/requirements.txt"
    if [ ! -x "$venv/bin/python" ] || ! cmp -s "$ROOT/scripts/requirements.txt" "$stamp"; then
        step "installing the pinned tools from PyPI into $venv"
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q --upgrade pip
        "$venv/bin/pip" install -q -r "$ROOT/scripts/requirements.txt"
        cp "$ROOT/scripts/requirements.txt" "$stamp"
    fi
    export PATH="$venv/bin:$PATH"
}

# Builds into $BUILD (default build/) and installs into $BUILD/prefix, which
# the Go module finds through pkg-config.
build() {
    BUILD=${BUILD:-$ROOT/build}
    step "building into $BUILD"
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCOLONIES_WERROR=ON "$@"
    cmake --build "$BUILD"
    cmake --install "$BUILD" --prefix "$BUILD/prefix" >/dev/null
    export PKG_CONFIG_PATH="$BUILD/prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
    export LD_LIBRARY_PATH="$BUILD/prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export PYTHONPATH="$BUILD/python${PYTHONPATH:+:$PYTHONPATH}"
}

start_server() {
    step "starting the local Colonies server"
    "$ROOT/scripts/colonies-server" start
    eval "$("$ROOT/scripts/colonies-server" env)"
    step "starting the local S3 server (for the colony file system)"
    "$ROOT/scripts/s3-server" start
    eval "$("$ROOT/scripts/s3-server" env)"
}

# The local server over TLS (scripts/tls-front, a TLS terminator in front of
# it, since the server serves plain HTTP only), for the TLS tests: exports
# COLONIES_TLS_PORT, COLONIES_TLS_CA, ... After start_server.
start_tls_front() {
    step "starting the TLS front of the local Colonies server (for the TLS tests)"
    "$ROOT/scripts/tls-front" start
    eval "$("$ROOT/scripts/tls-front" env)"
}

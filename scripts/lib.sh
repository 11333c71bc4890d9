# Shared by scripts/test and scripts/demo: installing what the build needs
# and building. Source it; it expects ROOT to be the repository's top.

# Debian packages the build and the tests need. postgresql is installed by
# scripts/colonies-server itself.
DEBIAN_PACKAGES="build-essential cmake ninja-build pkg-config swig libcurl4-openssl-dev libcjson-dev
libsecp256k1-dev libwslay-dev libssl-dev golang-go"

step() { printf '\n=== %s ===\n' "$*"; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi
}

install_deps() {
    local missing=() p
    for p in $DEBIAN_PACKAGES; do
        # Go may come from elsewhere than Debian (a newer toolchain): keep it.
        if [ "$p" = golang-go ] && command -v go >/dev/null; then continue; fi
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        step "installing ${missing[*]}"
        as_root apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
    fi
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
    export PYTHONPATH="$ROOT/python${PYTHONPATH:+:$PYTHONPATH}"
}

start_server() {
    step "starting the local Colonies server"
    "$ROOT/scripts/colonies-server" start
    eval "$("$ROOT/scripts/colonies-server" env)"
}

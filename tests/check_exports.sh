#!/bin/sh
# Checks that libcolonies exports only colonies_*, each under the library's
# named symbol version (COLONIES_<soversion>), and the drop-in cryptolib
# exactly its five functions, so no internal or static dependency leaks.
set -eu
lib=$1 cryptolib=$2
syms=$(nm -D --defined-only --with-symbol-versions "$lib" | awk '{print $3}' | grep -v '^$')
# The version node itself is listed as an absolute symbol.
node=$(echo "$syms" | grep -E '^COLONIES_[0-9_]+(@@COLONIES_[0-9_]+)?$' | sed 's/@.*//' | head -1)
if [ -z "$node" ]; then echo "libcolonies has no COLONIES_<version> symbol version"; exit 1; fi
bad=$(echo "$syms" | grep -v -E "^COLONIES_[0-9_]+(@@|$)" | grep -v -E "^colonies_[a-z0-9_]+@@$node\$" || true)
if [ -n "$bad" ]; then echo "libcolonies exports symbols outside colonies_*@@$node: $bad"; exit 1; fi
got=$(nm -D --defined-only "$cryptolib" | awk '{print $3}' | sort | tr '\n' ' ')
if [ "$got" != "hash id prvkey recoverid sign " ]; then echo "libcryptolib exports: $got"; exit 1; fi
echo "exports: $(echo "$syms" | grep -c '^colonies_') colonies_* symbols, all @@$node; cryptolib: $got"

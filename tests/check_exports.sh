#!/bin/sh
# Checks that libcolonies exports only colonies_* and the drop-in cryptolib
# exactly its five functions, so no internal or static dependency leaks.
set -eu
lib=$1 cryptolib=$2
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^colonies_' | grep -v '^$' || true)
if [ -n "$bad" ]; then echo "libcolonies exports non-API symbols: $bad"; exit 1; fi
got=$(nm -D --defined-only "$cryptolib" | awk '{print $3}' | sort | tr '\n' ' ')
if [ "$got" != "hash id prvkey recoverid sign " ]; then echo "libcryptolib exports: $got"; exit 1; fi
echo "exports: $(nm -D --defined-only "$lib" | wc -l) colonies_* symbols; cryptolib: $got"

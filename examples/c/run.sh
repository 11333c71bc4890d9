#!/bin/sh
# Runs the echo executor and the submitter together and checks that the
# submitter prints helloworld. Usage: run.sh ECHO_EXECUTOR SUBMITTER
set -eu
executor=$1 submitter=$2
# A type of its own, so no other executor in colony dev takes the process.
ECHO_EXECUTOR_TYPE="echo-c-$$"
export ECHO_EXECUTOR_TYPE
log=$(mktemp)
"$executor" --count 1 --timeout 60 >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
out=$("$submitter" --timeout 60)
wait $pid
cat "$log"
echo "submitter printed: $out"
[ "$out" = "helloworld" ]

#!/bin/sh
# Runs the C executor, then the seed's examples in C against it, then stops
# the executor with SIGTERM. Fails when an example does, or when the executor
# does not start or stop cleanly. Usage: run.sh EXECUTOR SEED
set -u
executor=$1 seed=$2
# A type of its own, so that no other executor in the colony takes its work.
EXECUTOR_TYPE="c-executor-$$"
export EXECUTOR_TYPE
log=$(mktemp)
"$executor" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$log"' EXIT
ready=0
for _ in $(seq 200); do
    if grep -q "executor ready" "$log"; then ready=1; break; fi
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
done
if [ $ready = 0 ]; then
    cat "$log"
    echo "the executor did not start"
    exit 1
fi
status=0
"$seed" || status=$?
kill -TERM $pid
wait $pid || { echo "the executor exited with status $?"; status=1; }
sed 's/^/  executor: /' "$log"
exit $status

# A lock between the scripts that start and stop the test servers, needing
# nothing but mkdir (atomic) and kill -0. Source it, then call
# lock_take DIR [TIMEOUT_S]: DIR is made and holds the holder's pid, and is
# removed when the holder exits. A holder that died without removing it
# (killed with -9) leaves it stale: the next taker sees its pid gone and
# takes the lock over.
lock_take() {
    local dir=$1 timeout=${2:-300} start holder empty_since=""
    start=$(date +%s)
    mkdir -p "$(dirname "$dir")"
    while ! mkdir "$dir" 2>/dev/null; do
        holder=$(cat "$dir/pid" 2>/dev/null || true)
        if [ -n "$holder" ]; then
            empty_since=""
            if ! kill -0 "$holder" 2>/dev/null; then
                rm -rf "$dir" # stale: its holder is gone
                continue
            fi
        elif [ -z "$empty_since" ]; then
            empty_since=$(date +%s) # taken this instant: its pid is being written
        elif [ $(($(date +%s) - empty_since)) -ge 5 ]; then
            rm -rf "$dir" # its taker died before writing its pid
            continue
        fi
        if [ $(($(date +%s) - start)) -ge "$timeout" ]; then
            echo "lock: timed out after ${timeout}s waiting for $dir (held by pid ${holder:-?})" >&2
            return 1
        fi
        sleep 0.2
    done
    echo $$ >"$dir/pid"
    LOCK_HELD=$dir
    trap 'rm -rf "$LOCK_HELD"' EXIT
}

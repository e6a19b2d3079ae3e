# tools/lib.sh: shared by tools/demo.sh, tools/test.sh and tools/long-checks.sh (sourced, not run).
# Package installation, build-directory configuration, stage bookkeeping and fuzz smoke runs.

SQUALL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$SQUALL_ROOT"

# Run a command as root: directly when root, else through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "error: '$*' needs root; run this script as root or install sudo" >&2
        return 1
    fi
}

# Install the named Debian packages that are missing; apt-get update only if something is.
# --no-install-recommends always (DESIGN §7: libasio-dev recommends libboost-dev 1.74, which
# conflicts with libboost1.81-dev).
ensure_packages() {
    local missing=() p
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$p")
        fi
    done
    if [ ${#missing[@]} -eq 0 ]; then
        echo "== packages present: $*"
        return 0
    fi
    echo "== installing: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

# configure <build dir> <cmake args...>: Ninja; a fresh directory if missing, else reconfigured
# with the same arguments (idempotent).
configure() {
    local dir=$1
    shift
    cmake -S "$SQUALL_ROOT" -B "$dir" -G Ninja "$@"
}

# The stage summary printed at the end, and on the first failure.
STAGE_LOG=()
NOTES=()
SCRIPT_START=$SECONDS

# stage <name> <command...>: run a command, record PASS/FAIL with its duration; stop on failure.
stage() {
    local name=$1 start=$SECONDS rc=0
    shift
    echo
    echo "==== $name"
    "$@" || rc=$?
    if [ $rc -eq 0 ]; then
        STAGE_LOG+=("PASS  $(printf '%5ss' $((SECONDS - start)))  $name")
    else
        STAGE_LOG+=("FAIL  $(printf '%5ss' $((SECONDS - start)))  $name (exit $rc)")
        summary
        exit 1
    fi
}

summary() {
    local line
    echo
    echo "==== summary ($(basename "$0"), $((SECONDS - SCRIPT_START)) s total)"
    for line in "${STAGE_LOG[@]}"; do
        echo "  $line"
    done
    for line in "${NOTES[@]}"; do
        echo "  note: $line"
    done
}

# The fuzz targets, by source: tests/fuzz/fuzz_<name>.cpp -> fuzz_<name>.
fuzz_targets() {
    local src
    for src in "$SQUALL_ROOT"/tests/fuzz/fuzz_*.cpp; do
        [ -e "$src" ] && basename "$src" .cpp
    done
    return 0
}

# The seed corpus of a fuzz target: tests/fuzz/corpus/fuzz_<name>/ or tests/fuzz/corpus/<name>/.
fuzz_corpus() {
    local d
    for d in "$SQUALL_ROOT/tests/fuzz/corpus/$1" "$SQUALL_ROOT/tests/fuzz/corpus/${1#fuzz_}"; do
        if [ -d "$d" ]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

# fuzz_smoke <build dir> <seconds>: every fuzz target for <seconds>, as many at once as there are
# cores, each over a fresh copy of its corpus under <build dir>/fuzz-runs/ (the repository corpus
# is never modified; crash artifacts land there too). Prints libFuzzer's final stats; fails if
# any target fails.
fuzz_smoke() {
    local build=$1 seconds=$2 jobs target work corpus failed=0
    jobs=$(nproc)
    local targets=()
    mapfile -t targets < <(fuzz_targets)
    for target in "${targets[@]}"; do
        work="$build/fuzz-runs/$target"
        rm -rf "$work"
        mkdir -p "$work/corpus"
        if corpus=$(fuzz_corpus "$target"); then
            cp -R "$corpus/." "$work/corpus/"
        fi
        while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
        echo "  $target: fuzzing for ${seconds}s"
        (
            rc=0
            "$build/tests/$target" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
                -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1 || rc=$?
            echo $rc >"$work/rc"
        ) &
    done
    wait
    for target in "${targets[@]}"; do
        work="$build/fuzz-runs/$target"
        local rc execs rate added
        rc=$(cat "$work/rc" 2>/dev/null || echo "?")
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -n 1)
        added=$(sed -n 's/^stat::new_units_added: *//p' "$work/log" | tail -n 1)
        if [ "$rc" = "0" ]; then
            printf '  %-32s ok    %10s execs  %8s exec/s  %5s new units\n' "$target" "${execs:-?}" "${rate:-?}" "${added:-?}"
        else
            failed=1
            printf '  %-32s FAILED (exit %s); log %s\n' "$target" "$rc" "$work/log"
            grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)|runtime error' "$work/log" | head -n 20 || true
        fi
    done
    [ ${#targets[@]} -gt 0 ] || echo "  (no fuzz targets under tests/fuzz/ yet)"
    return $failed
}

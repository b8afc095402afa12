#!/usr/bin/env bash
# The one test command (make test): builds, starts a throwaway PostgreSQL,
# runs every suite on SQLite and PostgreSQL, and ends with one summary line.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
jobs=${JOBS:-$(nproc)}
results=$(mktemp -d /tmp/ujumbe-test.XXXXXX)
chmod 755 "$results"  # the PostgreSQL cluster below runs as the postgres user
pg_dir="$results/pg"
failed_stages=()

cleanup() { scripts/pg-cluster.sh stop "$pg_dir" >/dev/null 2>&1 || true; }
trap cleanup EXIT

# Each stage's name and duration, for the summary.
stage_names=()
stage_seconds=()
stage_started=$SECONDS
stage() {
    local now=$SECONDS
    if [ ${#stage_names[@]} -gt 0 ]; then stage_seconds+=($((now - stage_started))); fi
    stage_names+=("$*")
    stage_started=$now
    printf '\n==> %s\n' "$*"
}
print_durations() {
    stage_seconds+=($((SECONDS - stage_started)))
    local i
    for i in "${!stage_names[@]}"; do
        printf '%6ss  %s\n' "${stage_seconds[$i]:-?}" "${stage_names[$i]}"
    done
    printf '%6ss  in all\n' "$SECONDS"
}

stage "format (clang-format, the repository's .clang-format)"
if ! git ls-files '*.cc' '*.h' | xargs -r clang-format --dry-run --Werror >/dev/null 2>"$results/format.log"; then
    grep -o '^[^:]*\.\(cc\|h\)' "$results/format.log" | sort -u | sed 's/^/  not formatted: /'
    failed_stages+=("format")
fi

stage "layers (scripts/check-layers.py: no include against docs/architecture.md's layers)"
python3 scripts/check-layers.py || failed_stages+=("layers")

# The server in release (what the HTTP and SMPP suites and bench/ run); the
# unit and interop test binaries only under the sanitizers (a stricter run of
# the same code, and half the compiling of building them twice).
stage "build (the server: release with debug info)"
# Installed under /usr, as the Debian package is (tests/integration/test_package.py).
cmake --preset default -DCMAKE_INSTALL_PREFIX=/usr >/dev/null &&
    cmake --build --preset default -j "$jobs" --target ujumbe ujumbe_conf || exit 1
stage "build (AddressSanitizer + UndefinedBehaviorSanitizer unit and interop tests)"
cmake --preset asan >/dev/null && cmake --build --preset asan -j "$jobs" || exit 1

stage "start a throwaway PostgreSQL 15"
UJUMBE_TEST_PG_URL=$(scripts/pg-cluster.sh start "$pg_dir") || { echo "PostgreSQL did not start"; exit 1; }
export UJUMBE_TEST_PG_URL
echo "$UJUMBE_TEST_PG_URL"

run() {  # name, command...
    local name=$1; shift
    stage "$name"
    "$@" || failed_stages+=("$name")
}

asan_env=(env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1)
unit_asan_shard() {  # index: half of the unit tests (each test has its own database)
    "${asan_env[@]}" GTEST_TOTAL_SHARDS=2 GTEST_SHARD_INDEX="$1" build-asan/bin/ujumbe_unit_tests \
        --gtest_brief=1 --gtest_output="xml:$results/unit-$1.xml"
}
unit_asan_0() { unit_asan_shard 0; }
unit_asan_1() { unit_asan_shard 1; }
interop_asan() {
    "${asan_env[@]}" build-asan/bin/ujumbe_interop_tests --gtest_brief=1 \
        --gtest_output="xml:$results/interop.xml"
}
http_suite() {  # engine
    env UJUMBE_TEST_ENGINE="$1" UJUMBE_BIN="$root/build/bin/ujumbe" \
        /usr/bin/python3 -m pytest tests/integration -q -p no:cacheprovider \
        --junitxml="$results/integration-$1.xml"
}
http_sqlite() { http_suite sqlite; }
http_postgres() { http_suite postgres; }
smpp_suite() {  # engine
    env UJUMBE_TEST_ENGINE="$1" UJUMBE_BIN="$root/build/bin/ujumbe" \
        /usr/bin/python3 -m pytest tests/interop -q -p no:cacheprovider \
        --junitxml="$results/interop-server-$1.xml"
}

# Two independent suites side by side (each is mostly waiting on the other
# core, a database or a socket); their output follows once both are done.
side_by_side() {  # name_a fn_a name_b fn_b
    stage "$1  |  $3"
    "$2" >"$results/$2.log" 2>&1 &
    local a=$!
    "$4" >"$results/$4.log" 2>&1 &
    local b=$!
    wait $a || failed_stages+=("$1")
    wait $b || failed_stages+=("$3")
    printf -- '--- %s\n' "$1"; tail -n 40 "$results/$2.log"
    printf -- '--- %s\n' "$3"; tail -n 40 "$results/$4.log"
}

side_by_side "unit and store tests under ASan+UBSan, SQLite + PostgreSQL (first half)" unit_asan_0 \
    "unit and store tests under ASan+UBSan, SQLite + PostgreSQL (second half)" unit_asan_1
run "SMPP interop under ASan+UBSan (our codec and session against the npm smpp SMSC simulator)" \
    interop_asan
side_by_side "integration tests over HTTP (sqlite)" http_sqlite \
    "integration tests over HTTP (postgres)" http_postgres
# The server over SMPP (with a kill -9 mid-burst) one engine at a time: it
# measures delivery of a 50,000-message burst and wants both cores.
for engine in sqlite postgres; do
    run "the server over SMPP against the npm smpp SMSC ($engine)" smpp_suite "$engine"
done

stage "summary"
print_durations
/usr/bin/python3 scripts/summarize-junit.py "$results"/*.xml
summary=$?
if [ ${#failed_stages[@]} -gt 0 ]; then
    printf 'failed stages: %s\n' "${failed_stages[*]}"
    exit 1
fi
exit $summary

#!/usr/bin/env bash
# The one test command (make test): builds, starts a throwaway PostgreSQL,
# runs every suite on SQLite and PostgreSQL, and ends with one summary line.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=true  # any clone folder hits the cache
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

stage "build (release with debug info)"
cmake --preset default >/dev/null && cmake --build --preset default -j "$jobs" || exit 1
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

run "unit and store tests (SQLite + PostgreSQL)" \
    build/bin/ujumbe_unit_tests --gtest_brief=1 --gtest_output="xml:$results/unit.xml"
run "unit and store tests under ASan+UBSan" \
    env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    build-asan/bin/ujumbe_unit_tests --gtest_brief=1 --gtest_output="xml:$results/asan.xml"
run "SMPP interop (our codec and session against the npm smpp SMSC simulator)" \
    build/bin/ujumbe_interop_tests --gtest_brief=1 --gtest_output="xml:$results/interop.xml"
run "SMPP interop under ASan+UBSan" \
    env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    build-asan/bin/ujumbe_interop_tests --gtest_brief=1 --gtest_output="xml:$results/interop-asan.xml"
for engine in sqlite postgres; do
    run "integration tests over HTTP ($engine)" \
        env UJUMBE_TEST_ENGINE=$engine UJUMBE_BIN="$root/build/bin/ujumbe" \
        /usr/bin/python3 -m pytest tests/integration -q -p no:cacheprovider \
        --junitxml="$results/integration-$engine.xml"
    run "the server over SMPP against the npm smpp SMSC ($engine)" \
        env UJUMBE_TEST_ENGINE=$engine UJUMBE_BIN="$root/build/bin/ujumbe" \
        /usr/bin/python3 -m pytest tests/interop -q -p no:cacheprovider \
        --junitxml="$results/interop-server-$engine.xml"
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

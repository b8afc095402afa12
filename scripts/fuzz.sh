#!/usr/bin/env bash
# The fuzz command (make fuzz): builds the libFuzzer targets of tests/fuzz with
# clang (CMake preset "fuzz", ASan + UBSan) and runs each for FUZZ_SECONDS
# (default 60) on a copy of its seed corpus in tests/fuzz/corpus/<target>.
# Exits non-zero when a target finds a crash, a leak, a hang or a failed
# property; the input that did it is kept in build-fuzz/fuzz-runs/<target>/.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${FUZZ_SECONDS:-60}
targets=(csv_fuzz multipart_fuzz phone_fuzz smpp_pdu_fuzz json_body_fuzz http_request_fuzz
         whatsapp_webhook_fuzz media_type_fuzz)

# clang and its libFuzzer runtime, on top of what every build needs.
bash scripts/install-deps.sh clang libclang-rt-14-dev

export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j 2

runs=build-fuzz/fuzz-runs
rm -rf "$runs"
failed=()
for target in "${targets[@]}"; do
    dir="$runs/$target"
    mkdir -p "$dir/corpus"
    # A copy: what the fuzzer adds to the corpus is not meant for the repository.
    cp tests/fuzz/corpus/"$target"/* "$dir/corpus/"
    printf '==> %s for %ss\n' "$target" "$seconds"
    if build-fuzz/bin/"$target" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$dir/" "$dir/corpus" >"$dir/log" 2>&1; then
        grep -E '^(stat::number_of_executed_units|#[0-9]+ +DONE)' "$dir/log" | tail -2 | sed 's/^/  /'
    else
        failed+=("$target")
        tail -n 40 "$dir/log"
        ls "$dir" | grep -E '^(crash|leak|timeout|oom)-' | sed "s|^|  finding: $dir/|" || true
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    printf 'fuzz: findings in %s\n' "${failed[*]}"
    exit 1
fi
printf 'fuzz: %s ran %ss each without findings\n' "${targets[*]}" "$seconds"

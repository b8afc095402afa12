#!/usr/bin/env bash
# make bench: the end-to-end benchmarks on SQLite and on a throwaway
# PostgreSQL. Figures go to stdout; record them in bench/README.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
pg_dir=$(mktemp -d /tmp/ujumbe-bench-pg.XXXXXX)
trap 'scripts/pg-cluster.sh stop "$pg_dir" >/dev/null 2>&1 || true' EXIT
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
python3 bench/identity_bench.py
python3 bench/contacts_bench.py
export UJUMBE_BENCH_PG_URL=$(scripts/pg-cluster.sh start "$pg_dir")
python3 bench/identity_bench.py
python3 bench/contacts_bench.py

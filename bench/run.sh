#!/usr/bin/env bash
# make bench: the end-to-end benchmarks on SQLite and on a throwaway
# PostgreSQL. Figures go to stdout; record them in bench/README.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
pg_dir=$(mktemp -d /tmp/ujumbe-bench-pg.XXXXXX)
trap 'scripts/pg-cluster.sh stop "$pg_dir" >/dev/null 2>&1 || true' EXIT
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
# The SMSC simulator's own ceiling (the messaging figures cannot pass it).
smsc_log=$(mktemp)
node tests/interop/smsc.js --port 0 --receipt-delay-ms 1 >"$smsc_log" &
smsc_pid=$!
for _ in $(seq 50); do grep -q listening "$smsc_log" && break; sleep 0.1; done
echo "SMSC simulator ceiling (npm smpp client, window 200 x 2 binds): $(node bench/smpp_client.js "$(awk '/listening/ {print $2; exit}' "$smsc_log")" 100000 200 2)"
kill $smsc_pid; rm -f "$smsc_log"
python3 bench/identity_bench.py
python3 bench/contacts_bench.py
python3 bench/messaging_bench.py
python3 bench/smpp_server_bench.py
python3 bench/webhooks_bench.py
python3 bench/campaigns_bench.py
export UJUMBE_BENCH_PG_URL=$(scripts/pg-cluster.sh start "$pg_dir")
python3 bench/identity_bench.py
python3 bench/contacts_bench.py
python3 bench/messaging_bench.py
python3 bench/smpp_server_bench.py
python3 bench/webhooks_bench.py
python3 bench/campaigns_bench.py

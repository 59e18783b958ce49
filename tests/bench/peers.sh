#!/bin/bash
# hypertop beside its peers on one database, in one run, as their users run them (the
# connection string as given: no sslmode means TLS where the server offers it):
#  1. the console at --refresh 1s and pg_activity (PyPI) at its 1 s refresh, side by side: the
#     server CPU of each one's sessions over the window, and how long a chunk decompressed (and
#     compressed back) from another session takes to show on the console's Columnstore tab;
#  2. hypertop's exporter and postgres_exporter (Debian's prometheus-postgres-exporter), each
#     scraped every 15 s: the server CPU per scrape of each, and hypertop's data age at scrape.
# The server's processes are read in /proc: run it on the database's machine.
# Usage: tests/bench/peers.sh CONNINFO HYPERTABLE [SECONDS] [exporters]  (exporters: part 2 alone)
#   HYPERTABLE: one with compression on and a chunk old enough to compress (scale.ht_001 on the
#   bench's datasets: cargo bench --bench scale -- --only build)
# Installs pg_activity 3.6.2 in target/bench/peers-venv and, as root, postgres_exporter.
set -euo pipefail
conninfo=$1; hypertable=$2; seconds=${3:-120}; only=${4:-}
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=$root/target/bench/peers-venv
ticks=$(getconf CLK_TCK)

# the peers
if [ ! -x "$venv/bin/pg_activity" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" -q install 'pg_activity==3.6.2' 'psycopg[binary]'
fi
if ! command -v prometheus-postgres-exporter >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q prometheus-postgres-exporter >/dev/null
  systemctl stop prometheus-postgres-exporter 2>/dev/null || true
fi
(cd "$root" && cargo build --release -q)
hypertop=$root/target/release/hypertop
q() { psql "$conninfo" -XAtqc "$1"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The server CPU (seconds) of the sessions named $1, sampled every half second until the file
# $2 exists; printed then.
cpu_of() {
  local name=$1 stop=$2; declare -A first last
  while [ ! -e "$stop" ]; do
    for pid in $(q "SELECT pid FROM pg_stat_activity WHERE application_name = '$name'"); do
      t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null) || continue
      [ -n "${first[$pid]:-}" ] || first[$pid]=$t
      last[$pid]=$t
    done
    sleep 0.5
  done
  local sum=0
  for pid in "${!first[@]}"; do sum=$((sum + ${last[$pid]} - ${first[$pid]})); done
  echo "scale=3; $sum / $ticks" | bc -l
}

work=$(mktemp -d); trap 'tmux kill-session -t peers-ht 2>/dev/null; tmux kill-session -t peers-pa 2>/dev/null; kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
tls=$(q "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
chunks=$(q "SELECT count(*) FROM _timescaledb_catalog.chunk")
echo "## hypertop beside pg_activity and postgres_exporter: $chunks chunks, TLS $tls, schedulers running"

# 1. the consoles
if [ "$only" != exporters ]; then
tmux new-session -d -s peers-ht -x 160 -y 48 "$hypertop --refresh 1s '$conninfo'"
tmux new-session -d -s peers-pa -x 160 -y 48 "$venv/bin/pg_activity --refresh 1 '$conninfo'"
for _ in $(seq 1 240); do tmux capture-pane -t peers-ht -p | grep -q refreshed && break; sleep 0.5; done
tmux send-keys -t peers-ht 3; sleep 0.5; tmux send-keys -t peers-ht / "${hypertable#*.}" Enter
sleep 10
cpu_of hypertop "$work/stop1" > "$work/ht" & cpu_of pg_activity "$work/stop1" > "$work/pa" &
start=$(date +%s.%N)
chunk="(SELECT c FROM show_chunks('$hypertable', older_than => now() - interval '2 hours') c ORDER BY c LIMIT 1)"
q "SELECT compress_chunk($chunk, true)" >/dev/null
sleep 3
shown() { tmux capture-pane -t peers-ht -p | grep -F "$hypertable" | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\/[0-9]+$/) print $i}'; }
latencies=()
while [ "$(echo "$(date +%s.%N) - $start < $seconds - 15" | bc)" = 1 ]; do
  for op in decompress compress; do
    before=$(shown)
    q "SELECT ${op}_chunk($chunk, true)" >/dev/null
    t0=$(date +%s.%N)
    while [ "$(shown)" = "$before" ] && [ "$(echo "$(date +%s.%N) - $t0 < 10" | bc)" = 1 ]; do sleep 0.05; done
    latencies+=("$(echo "$(date +%s.%N) - $t0" | bc -l)")
    sleep 5
  done
done
while [ "$(echo "$(date +%s.%N) - $start < $seconds" | bc)" = 1 ]; do sleep 1; done
touch "$work/stop1"; wait
window=$(echo "$(date +%s.%N) - $start" | bc -l)
ht=$(cat "$work/ht"); pa=$(cat "$work/pa")
worst=$(printf '%s\n' "${latencies[@]}" | sort -g | tail -1)
printf '  console, %.0f s at a 1 s refresh: hypertop %.3f %% of a core, pg_activity %.3f %%, hypertop/pg_activity %.3f (goal <= 0.1)\n' \
  "$window" "$(echo "$ht / $window * 100" | bc -l)" "$(echo "$pa / $window * 100" | bc -l)" "$(echo "$ht / ($pa + 0.000001)" | bc -l)"
printf '  a chunk decompressed or compressed elsewhere, on hypertop'"'"'s screen after: %s s (%d changes; worst %.2f s, goal <= 2 s)\n' \
  "$(printf '%.2f ' "${latencies[@]}")" "${#latencies[@]}" "$worst"
tmux send-keys -t peers-ht q; tmux send-keys -t peers-pa q; sleep 1
tmux kill-session -t peers-ht 2>/dev/null || true; tmux kill-session -t peers-pa 2>/dev/null || true
fi

# 2. the exporters, scraped every 15 s
scrapes=$(( seconds / 15 )); [ "$scrapes" -ge 4 ] || scrapes=4
hp=$(free_port); pp=$(free_port)
"$hypertop" exporter "$conninfo" --listen "127.0.0.1:$hp" >/dev/null 2>&1 & hx_exporter=$!
url=$(python3 - "$conninfo" <<'EOF'
import sys, urllib.parse
kv = dict(p.split("=", 1) for p in sys.argv[1].split())
host, port, user, db = kv.get("host", "localhost"), kv.get("port", "5432"), kv.get("user", "postgres"), kv.get("dbname", "postgres")
# lib/pq knows no "prefer": against a server with TLS on, "require" is what prefer negotiates
q = {"application_name": "postgres_exporter", "sslmode": kv.get("sslmode", "require").replace("prefer", "require")}
print(f"postgresql://{urllib.parse.quote(user)}@{host}:{port}/{db}?{urllib.parse.urlencode(q)}")
EOF
)
DATA_SOURCE_NAME=$url prometheus-postgres-exporter --web.listen-address="127.0.0.1:$pp" >/dev/null 2>&1 & px_exporter=$!
for p in $hp $pp; do for _ in $(seq 1 100); do curl -s "127.0.0.1:$p/metrics" >/dev/null && break; sleep 0.2; done; done
sleep 5
cpu_of hypertop "$work/stop2" > "$work/hx" & hx_pid=$!
cpu_of postgres_exporter "$work/stop2" > "$work/px" & px_pid=$!
ages=()
for _ in $(seq 1 "$scrapes"); do
  t0=$(date +%s)
  ages+=("$(curl -s "127.0.0.1:$hp/metrics" | awk '/^hypertop_data_age_seconds/ {print $NF}')")
  curl -s "127.0.0.1:$pp/metrics" >/dev/null
  left=$(( 15 - ($(date +%s) - t0) )); [ "$left" -le 0 ] || sleep "$left"
done
touch "$work/stop2"; wait "$hx_pid" "$px_pid"   # (the exporters are jobs too: not waited for)
kill "$hx_exporter" "$px_exporter" 2>/dev/null || true
hx=$(cat "$work/hx"); px=$(cat "$work/px")
printf '  exporters, %d scrapes 15 s apart: hypertop %.1f ms of server CPU per scrape, postgres_exporter %.1f ms, hypertop/postgres_exporter %.2f (goal <= 1); hypertop'"'"'s data age at scrape %s s (goal <= 15 s)\n' \
  "$scrapes" "$(echo "$hx / $scrapes * 1000" | bc -l)" "$(echo "$px / $scrapes * 1000" | bc -l)" "$(echo "$hx / ($px + 0.000001)" | bc -l)" "${ages[*]}"

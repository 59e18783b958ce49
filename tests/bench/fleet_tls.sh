#!/bin/bash
# Fifty TLS targets as users run them (no sslmode: the default prefer negotiates TLS with a server
# that offers it), two builds in turn: the exporter's cold scrape and peak RSS, the fleet
# console's peak RSS. Usage: tests/bench/fleet_tls.sh BEFORE_BINARY AFTER_BINARY [HOST PORT]
# (databases fleet_00 … fleet_49 on that server, as `cargo bench --bench scale -- --only fleet` makes them)
set -uo pipefail
host=${3:-127.0.0.1}; port=${4:-5434}; dir=$(mktemp -d)
for i in $(seq -w 0 49); do printf '[profiles.db%s]\nconninfo = "host=%s port=%s user=postgres dbname=fleet_%s"\n\n' $i "$host" "$port" $i; done > "$dir/targets.toml"
exporter() { bin=$1; lport=$2; label=$3
$bin exporter --listen 127.0.0.1:$lport --cache 15s --targets $dir/targets.toml >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:$lport/ && break; sleep 0.1; done
t0=$(date +%s.%N)
up=$(curl -s http://127.0.0.1:$lport/metrics | grep -c '^hypertop_up{.* 1$')
t1=$(date +%s.%N)
for _ in $(seq 1 10); do curl -s -o /dev/null http://127.0.0.1:$lport/metrics; done
hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status); rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
ssl=$(psql -h "$host" -p "$port" -U postgres -d postgres -Atc "select count(*) filter (where s.ssl) || '/' || count(*) from pg_stat_ssl s join pg_stat_activity a using (pid) where a.datname like 'fleet_%' and a.application_name like 'hypertop%'")
kill $pid; wait $pid 2>/dev/null
printf '%s: up %s/50, cold scrape %.2f s, peak RSS %.1f MiB, RSS %.1f MiB, TLS sessions %s\n' "$label" "$up" "$(echo "$t1 - $t0" | bc)" "$(echo "$hwm/1024" | bc -l)" "$(echo "$rss/1024" | bc -l)" "$ssl"
}
console() {
tmux kill-session -t fl 2>/dev/null
t0=$(date +%s.%N)
tmux new-session -d -s fl -x 160 -y 60 "$1 --targets $dir/targets.toml"
# the time until the Fleet view says every target is connected (polled every 20 ms)
connected=never
for _ in $(seq 1 1000); do
  if tmux capture-pane -t fl -p | grep -q ' 0 not connected'; then connected=$(printf '%.2f s' "$(echo "$(date +%s.%N) - $t0" | bc)"); break; fi
  sleep 0.02
done
sleep 15
pid=$(tmux list-panes -t fl -F '#{pane_pid}')
hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
ssl=$(psql -h "$host" -p "$port" -U postgres -d postgres -Atc "select count(*) filter (where s.ssl) || '/' || count(*) from pg_stat_ssl s join pg_stat_activity a using (pid) where a.datname like 'fleet_%' and a.application_name like 'hypertop%'")
tmux send-keys -t fl q; sleep 1; tmux kill-session -t fl 2>/dev/null
printf '%s: all 50 connected after %s, peak RSS %.1f MiB, TLS sessions %s\n' "$2" "$connected" "$(echo "$hwm/1024" | bc -l)" "$ssl"
}
for round in 1 2; do
  exporter "$1" 19871 "exporter, before"; exporter "$2" 19872 "exporter, after"
done
console "$1" "console, before"; console "$2" "console, after"
rm -rf "$dir"

#!/bin/bash
# The console's own CPU at a 1 s refresh, two builds in turn on the same database, as its users
# run it (the connection string as given: no sslmode means TLS where the server offers it).
# Usage: tests/bench/idle_cpu.sh BEFORE_BINARY AFTER_BINARY CONNINFO [SECONDS] [ROUNDS]
# Prints each round's CPU (% of one core) and RSS, then the medians and their ratio.
set -uo pipefail
before=$1; after=$2; conninfo=$3; seconds=${4:-60}; rounds=${5:-3}
ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' /proc/$1/stat; }
measure() { bin=$1
  tmux kill-session -t idle 2>/dev/null
  tmux new-session -d -s idle -x 80 -y 24 "$bin --refresh 1 '$conninfo'"
  for _ in $(seq 1 120); do tmux capture-pane -t idle -p | grep -q refreshed && break; sleep 0.5; done
  sleep 5
  pid=$(tmux list-panes -t idle -F '#{pane_pid}')
  c0=$(cpu_ticks $pid); t0=$(date +%s.%N)
  sleep "$seconds"
  c1=$(cpu_ticks $pid); t1=$(date +%s.%N)
  rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
  tmux send-keys -t idle q; sleep 1; tmux kill-session -t idle 2>/dev/null
  echo "$(echo "($c1 - $c0) / $ticks / ($t1 - $t0) * 100" | bc -l) $rss"
}
declare -a b a
for r in $(seq 1 "$rounds"); do
  read -r cb rb < <(measure "$before"); b+=("$cb")
  read -r ca ra < <(measure "$after"); a+=("$ca")
  printf 'round %d: before %.3f %% (RSS %.1f MiB), after %.3f %% (RSS %.1f MiB)\n' "$r" "$cb" "$(echo "$rb/1024" | bc -l)" "$ca" "$(echo "$ra/1024" | bc -l)"
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
mb=$(median "${b[@]}"); ma=$(median "${a[@]}")
printf 'median over %d rounds of %d s at --refresh 1: before %.3f %%, after %.3f %%, after/before %.2f\n' "$rounds" "$seconds" "$mb" "$ma" "$(echo "$ma / $mb" | bc -l)"
psql "$conninfo" -Atc "select 'server offers TLS: ' || current_setting('ssl')" 2>/dev/null || true

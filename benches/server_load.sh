#!/usr/bin/env bash
# Load run of the example server (BENCHMARKS.md, section 5), against a server already running
# on loopback over the 1,000,000-action database: the light main query alone; the light query
# while 64 connections flood heavy pages (10,000 rows ordered by a field no index gives), with
# the server's CPU and memory sampled during the flood and after the clients leave; and 200
# connections asking for whole 10,000-row pages. Every phase is bounded in time.
#
# Usage: benches/server_load.sh PORT TOKEN SERVER_PID [MACHINE]
set -euo pipefail
port=$1
token=$2
pid=$3
machine=${4:-56dcb548c92e67a17afc66a4ef63af15135cd582}
base="http://127.0.0.1:$port"
light="$base/api/machineactions?\$filter=machineId%20eq%20'$machine'%20and%20creationDateTimeUtc%20gt%202024-01-01T00:00:00Z&\$top=100"
heavy="$base/api/machineactions?\$top=10000&\$orderby=requestor"
pages="$base/api/machineactions?\$top=10000"
auth="Authorization: Bearer $token"
out=$(mktemp -d)

# CPU seconds (user + system) the server has used so far.
cpu() { awk '{ printf "%.2f\n", ($14 + $15) / 100 }' "/proc/$pid/stat"; }
# Its resident memory now, in MiB.
rss() { awk '/^VmRSS/ { printf "%d\n", $2 / 1024 }' "/proc/$pid/status"; }

# Samples the server's resident memory every second for $1 seconds; prints the largest.
peak_rss() {
    local peak=0 now
    for _ in $(seq "$1"); do
        now=$(rss)
        ((now > peak)) && peak=$now
        sleep 1
    done
    echo "$peak"
}

# After the clients have left: seconds until the server uses less than 5 % of a CPU over one
# second, for at most $1 seconds.
until_idle() {
    local before after
    for s in $(seq "$1"); do
        before=$(cpu)
        sleep 1
        after=$(cpu)
        if awk -v a="$after" -v b="$before" 'BEGIN { exit !(a - b < 0.05) }'; then
            echo "idle after ${s} s"
            return
        fi
    done
    echo "still busy after $1 s"
}

echo "== warm-up"
wrk -t1 -c4 -d5s -H "$auth" "$light" > /dev/null
echo "== the light query alone, 16 connections, 30 s"
wrk -t2 -c16 -d30s --timeout 5s --latency -H "$auth" "$light"
echo "== the light query alone, 1 connection, 10 s"
wrk -t1 -c1 -d10s --timeout 5s --latency -H "$auth" "$light"

echo "== flood: 64 connections of heavy pages and 8 of the light query, 30 s (RSS before: $(rss) MiB)"
wrk -t1 -c64 -d30s --timeout 30s -H "$auth" "$heavy" > "$out/heavy.txt" &
peak_rss 30 > "$out/peak.txt" &
wrk -t1 -c8 -d30s --timeout 30s --latency -H "$auth" "$light"
wait
echo "-- the heavy connections:"
cat "$out/heavy.txt"
echo "-- peak RSS during the flood: $(cat "$out/peak.txt") MiB"
echo "-- after the clients left: $(until_idle 90)"

echo "== 200 connections of whole 10,000-row pages, 20 s (RSS before: $(rss) MiB)"
peak_rss 20 > "$out/peak.txt" &
wrk -t2 -c200 -d20s --timeout 30s -H "$auth" "$pages"
wait
echo "-- peak RSS: $(cat "$out/peak.txt") MiB"
echo "-- after the clients left: $(until_idle 90)"
rm -r "$out"

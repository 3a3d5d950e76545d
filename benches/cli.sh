#!/usr/bin/env bash
# The odata-filter CLI end to end on a large NDJSON file, side by side with jq and DuckDB doing
# the same selection.
#
#   bash benches/cli.sh [RECORDS] [RUNS]        (defaults: 1000000 records, 5 runs)
#
# 1. Builds the CLI and the record generator (release) and, if it is missing, generates
#    target/bench-data/machineactions-RECORDS.ndjson with examples/gen_records.rs
#    (deterministic: the same bytes on every machine).
# 2. Times, RUNS times each and interleaved (so that load from other processes hits every tool
#    alike), the selection `status eq 'Succeeded' and creationDateTimeUtc gt 2020-01-01T00:00:00Z`:
#      odata-filter            --filter ... FILE > out    (all cores; ODATA_FILTER_THREADS=N to change)
#      odata-filter 1 thread   the same with ODATA_FILTER_THREADS=1
#      odata-filter --count    the number of matches only
#      parse every record      ODATA_FILTER_LAZY=0 ODATA_FILTER_THREADS=1: the in-memory engine,
#                              which parses each line into a serde_json::Value and evaluates it
#      jq                      jq -c 'select(.status == "Succeeded" and .creationDateTimeUtc > "2020-01-01")'
#                              (JQ_RUNS times, default 3: it is slow)
#      DuckDB                  python3 + duckdb (`pip install duckdb`): read_json + WHERE, timed inside
#                              the process (query time only), as COUNT(*), as CREATE TEMP TABLE AS
#                              SELECT * (the matching records, kept in memory) and as COPY ... TO an
#                              NDJSON file; plus the whole python3 process.
#    Tools that are not installed are skipped.
# 3. Checks that the outputs agree: odata-filter prints byte-identical output in every mode,
#    jq's output is byte-identical to it (jq -c prints these records unchanged), and every
#    count is the same.
# 4. Prints a Markdown table: median wall time, median CPU time (user + system), MB/s and
#    records/s of the input, against the whole-process wall time.
#
# Run it with `nice -n 10` on a shared machine; everything it writes goes to target/bench-data.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
RECORDS=${1:-1000000}
RUNS=${2:-5}
JQ_RUNS=${JQ_RUNS:-3}
DIR=target/bench-data
FILE=$DIR/machineactions-$RECORDS.ndjson
OUT=$DIR/out
FILTER="status eq 'Succeeded' and creationDateTimeUtc gt 2020-01-01T00:00:00Z"
JQ_FILTER='select(.status == "Succeeded" and .creationDateTimeUtc > "2020-01-01")'
mkdir -p "$DIR" "$OUT"

say() { printf 'cli.sh: %s\n' "$*" >&2; }

say "building (release)"
cargo build --quiet --release --features cli --bin odata-filter --example gen_records
BIN=target/release/odata-filter
if [ ! -s "$FILE" ]; then
    say "generating $FILE"
    target/release/examples/gen_records "$RECORDS" "$FILE.tmp"
    mv "$FILE.tmp" "$FILE"
fi
BYTES=$(stat -c %s "$FILE")
LINES=$(wc -l <"$FILE")
say "$FILE: $LINES records, $BYTES bytes"

have_jq=0
command -v jq >/dev/null 2>&1 && have_jq=1
have_duckdb=0
python3 -c 'import duckdb' >/dev/null 2>&1 && have_duckdb=1
[ "$have_jq" = 1 ] || say "jq not found: skipped"
[ "$have_duckdb" = 1 ] || say "python3 -c 'import duckdb' failed (pip install duckdb): DuckDB skipped"

# Appends "wall user sys" of one run of the command to $DIR/times-NAME.
TIMEFORMAT='%R %U %S'
measure() {
    local name=$1 out=$2
    shift 2
    { time "$@" >"$out"; } 2>>"$DIR/times-$name"
}

cat >"$DIR/duck.py" <<'EOF'
import sys, time
import duckdb

path, out, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
where = ("status = 'Succeeded' AND creationDateTimeUtc > TIMESTAMPTZ '2020-01-01 00:00:00+00'")
src = f"read_json('{path}', format = 'newline_delimited')"
con = duckdb.connect()
count = f"SELECT count(*) FROM {src} WHERE {where}"
copy = f"COPY (SELECT * FROM {src} WHERE {where}) TO '{out}' (FORMAT JSON)"
ctas = f"CREATE OR REPLACE TEMP TABLE selected AS SELECT * FROM {src} WHERE {where}"
for name, sql in (("duckdb-count", count), ("duckdb-select", ctas), ("duckdb-copy", copy)):
    for _ in range(runs):
        t = time.perf_counter()
        rows = con.execute(sql).fetchall()
        wall = time.perf_counter() - t
        with open(f"{sys.argv[4]}/times-{name}", "a") as f:
            f.write(f"{wall:.3f} - -\n")
        if name == "duckdb-count":
            with open(f"{sys.argv[4]}/count-duckdb", "w") as f:
                f.write(f"{rows[0][0]}\n")
EOF

rm -f "$DIR"/times-* "$DIR"/count-*
say "timing $RUNS runs of each"
for run in $(seq 1 "$RUNS"); do
    say "run $run"
    measure odata-filter "$OUT/odata-filter.ndjson" "$BIN" --entity machineactions --filter "$FILTER" "$FILE"
    measure odata-filter-1-thread "$OUT/odata-filter-1.ndjson" \
        env ODATA_FILTER_THREADS=1 "$BIN" --entity machineactions --filter "$FILTER" "$FILE"
    measure odata-filter-count "$DIR/count-odata-filter" \
        "$BIN" --entity machineactions --count --filter "$FILTER" "$FILE"
    measure parse-every-record "$OUT/parse-every-record.ndjson" \
        env ODATA_FILTER_LAZY=0 ODATA_FILTER_THREADS=1 "$BIN" --entity machineactions --filter "$FILTER" "$FILE"
    if [ "$have_jq" = 1 ] && [ "$run" -le "$JQ_RUNS" ]; then
        measure jq "$OUT/jq.ndjson" jq -c "$JQ_FILTER" "$FILE"
    fi
    if [ "$have_duckdb" = 1 ]; then
        measure duckdb-process /dev/null python3 "$DIR/duck.py" "$FILE" "$OUT/duckdb.ndjson" 1 "$DIR"
    fi
done

# --- Checks -------------------------------------------------------------------------------
MATCHES=$(cat "$DIR/count-odata-filter")
fail=0
check_same() {
    if cmp -s "$1" "$2"; then
        say "ok: $2 is byte-identical to $1"
    else
        say "MISMATCH: $2 differs from $1"
        fail=1
    fi
}
check_same "$OUT/odata-filter.ndjson" "$OUT/odata-filter-1.ndjson"
check_same "$OUT/odata-filter.ndjson" "$OUT/parse-every-record.ndjson"
[ "$have_jq" = 0 ] || check_same "$OUT/odata-filter.ndjson" "$OUT/jq.ndjson"
printed=$(wc -l <"$OUT/odata-filter.ndjson")
[ "$printed" = "$MATCHES" ] || { say "MISMATCH: printed $printed records, --count says $MATCHES"; fail=1; }
if [ "$have_duckdb" = 1 ]; then
    duck=$(cat "$DIR/count-duckdb")
    duck_rows=$(wc -l <"$OUT/duckdb.ndjson")
    [ "$duck" = "$MATCHES" ] && [ "$duck_rows" = "$MATCHES" ] ||
        { say "MISMATCH: DuckDB counts $duck and writes $duck_rows rows, odata-filter $MATCHES"; fail=1; }
    say "ok: DuckDB selects the same $MATCHES records"
fi

# --- Table --------------------------------------------------------------------------------
python3 - "$DIR" "$BYTES" "$LINES" "$MATCHES" <<'EOF'
import os, statistics, sys

d, size, lines, matches = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rows = [
    ("odata-filter", "odata-filter (all cores), whole process"),
    ("odata-filter-1-thread", "odata-filter, 1 thread, whole process"),
    ("odata-filter-count", "odata-filter --count, whole process"),
    ("parse-every-record", "in-memory engine (parse every record), 1 thread, whole process"),
    ("jq", "jq -c 'select(...)', whole process"),
    ("duckdb-count", "DuckDB SELECT count(*), query time"),
    ("duckdb-select", "DuckDB CREATE TEMP TABLE AS SELECT * (the matches, in memory), query time"),
    ("duckdb-copy", "DuckDB COPY (SELECT *) TO NDJSON, query time"),
    ("duckdb-process", "DuckDB, whole python3 process (all three queries)"),
]
print(f"\n{lines:,} records, {size / 1e6:.0f} MB, {matches:,} matches; medians of the runs\n")
print("| what | runs | wall | CPU (user+sys) | MB/s | records/s |")
print("|---|---|---|---|---|---|")
for key, label in rows:
    path = os.path.join(d, f"times-{key}")
    if not os.path.exists(path):
        continue
    runs = [l.split() for l in open(path) if l.strip()]
    wall = statistics.median(float(r[0]) for r in runs)
    cpu = "–"
    if runs[0][1] != "-":
        cpu = f"{statistics.median(float(r[1]) + float(r[2]) for r in runs):.2f} s"
    print(f"| {label} | {len(runs)} | {wall:.2f} s | {cpu} | {size / wall / 1e6:,.0f} | {lines / wall / 1e6:.2f} M |")
EOF
exit "$fail"

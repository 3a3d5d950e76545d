#!/usr/bin/env bash
# Instructions per parse and per parse + check (callgrind), which, unlike times, do not
# depend on the load of a shared machine.
#
#   bash benches/instructions.sh
#
# For each filter: callgrind runs examples/profile_parse.rs once with 1 and once with 1,001
# iterations; the difference divided by 1,000 is the cost of one iteration. Prints a Markdown
# table. Needs valgrind.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --quiet --release --example profile_parse
BIN=target/release/examples/profile_parse
ids=$(printf 'f46b9bb259ed4a7fb9981b73510e3cc7aa81ec%02d ' 0 1 2 3 4 5 6 7 8 9)
or_chain=$(for id in $ids; do printf "machineId eq '%s' or " "$id"; done)
or_chain=${or_chain% or }
filters=(
    "typical|MachineAction|machineId eq 'f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f' and creationDateTimeUtc gt 2020-01-01T00:00:00Z"
    "risk_high|Machine|riskScore eq 'High'"
    "date_z|Machine|lastSeen gt 2018-08-01Z"
    "startswith|Machine|startswith(computerDnsName,'mymachine')"
    "two_eq|MachineAction|requestor eq 'Analyst@contoso.com' and type eq 'RunAntiVirusScan'"
    "any_tag|Machine|machineTags/any(tag: tag eq 'ExampleTag')"
    "seven_digits|Alert|alertCreationTime ge 2024-08-27T10:15:30.1234567Z"
    "or_chain_10|MachineAction|$or_chain"
)
count() { # what times entity filter -> instructions
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BIN" "$1" "$2" "$3" "$4" 2>&1 |
        sed -n 's/.*Collected : *\([0-9]*\).*/\1/p; s/.*refs: *\([0-9,]*\).*/\1/p' | tr -d , | head -1
}
echo "| filter | instructions per parse | per parse + check |"
echo "|---|---|---|"
for f in "${filters[@]}"; do
    IFS='|' read -r name entity text <<<"$f"
    row="| $name"
    for what in parse check; do
        one=$(count "$what" 1 "$entity" "$text")
        many=$(count "$what" 1001 "$entity" "$text")
        row="$row | $(((many - one) / 1000))"
    done
    echo "$row |"
done

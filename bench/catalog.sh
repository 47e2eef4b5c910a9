#!/usr/bin/env bash
# The issue #4 benchmark: wall time of the whole scenario catalogue (every world started on
# loopback, every act's phone boot, expectations checked), release build, 8 worlds at a time.
# Prints the wall time of each of RUNS runs and of the slowest scenario; the messy-forest
# scenario waits on a silent web enrollment host by design (1.5 s per boot).
#
# usage: bash bench/catalog.sh          (RUNS=3 by default; AUDIT=1 adds adpki audit per act)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
cargo build --release -q -p scenarios --bin scenarios
args=(run --format json)
[ "${AUDIT:-0}" = 1 ] && args+=(--audit)
echo "== catalogue wall time ($(ls scenarios/catalog/*.toml | wc -l) scenarios, $(nproc) cores)"
for run in $(seq "$RUNS"); do
  target/release/scenarios "${args[@]}" | python3 -c '
import json, sys
report = json.load(sys.stdin)
acts = sum(len(r["acts"]) for r in report["results"])
slowest = max(report["results"], key=lambda r: r["ms"])
status = "all as expected" if report["passed"] else "FAILED: " + ", ".join(report["failed"])
print("   run %s: %d ms for %d scenarios / %d boots; slowest %s %d ms; %s" % (
    sys.argv[1], report["wall_ms"], report["scenarios"], acts, slowest["name"], slowest["ms"], status))
' "$run"
done

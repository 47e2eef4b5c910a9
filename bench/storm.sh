#!/usr/bin/env bash
# Issue #13's storm figures, release build: 10,000 phones in the seed world's published act (every
# outcome as expected, no machinery error), then 100,000 (the whole process's peak resident
# memory, world included, from the report and from /usr/bin/time), then the messy forest before
# and after its clean-up.
#
# usage: bash bench/storm.sh     (PHONES="10000 100000", CONCURRENCY=500 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p scenarios --bin scenarios
bin=target/release/scenarios
concurrency=${CONCURRENCY:-500}
for phones in ${PHONES:-10000 100000}; do
  echo "== seed-story act 2 (root published): $phones phones, $concurrency at a time"
  /usr/bin/time -f "   /usr/bin/time: %e s wall, %M KiB peak RSS" \
    "$bin" storm seed-story --act 2 --phones "$phones" --concurrency "$concurrency"
done
for act in 1 2; do
  echo "== messy-forest act $act: 1000 phones, $concurrency at a time"
  "$bin" storm messy-forest --act "$act" --phones 1000 --concurrency "$concurrency"
done

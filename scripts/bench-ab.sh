#!/usr/bin/env bash
# Compares bench-synth binaries (say, one built from main and one from a branch) on this
# machine, runs interleaved so that its drift over minutes hits every binary alike.
#
#   scripts/bench-ab.sh RUNS SERVICES PROFILE BINARY...
#
# e.g. scripts/bench-ab.sh 15 1000 peer-parity /tmp/bench-synth-main target/release/bench-synth
# Prints, per binary, the medians of the whole process, peak RSS, model and synth phases.
# Output goes to a fresh directory under /dev/shm (tmpfs), removed before every run.
set -euo pipefail

if [ $# -lt 4 ]; then
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
runs=$1 services=$2 profile=$3
shift 3
out=$(mktemp -d /dev/shm/kumiki-ab.XXXXXX)
results=$(mktemp -d)
trap 'rm -rf "$out" "$results"' EXIT

for _ in $(seq "$runs"); do
  for index in $(seq $#); do
    binary=${!index}
    rm -rf "$out/release"
    "$binary" "$services" "$profile" "$out/release" 2>/dev/null >>"$results/$index"
  done
done

for index in $(seq $#); do
  python3 - "${!index}" "$results/$index" <<'PY'
import statistics, sys
rows = [dict(field.split("=") for field in line.split()) for line in open(sys.argv[2])]
median = lambda key: statistics.median(int(row[key]) for row in rows)
print(f"{sys.argv[1]}: wall {median('wall_us') / 1000:.1f} ms, peak RSS {median('rss_kib') / 1024:.1f} MiB, "
      f"model {median('model_us') / 1000:.1f} ms, synth {median('synth_us') / 1000:.1f} ms ({len(rows)} runs)")
PY
done

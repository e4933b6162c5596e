#!/usr/bin/env bash
# Edit-to-diff: how long a developer waits between saving a service crate and reading the
# review diff. Per run: touch services/account/src/lib.rs (cargo sees an edit), then
# `cargo xtask diff --env prd` (debug build, warm target/: recompiles the crate, relinks
# xtask, synthesizes and diffs). Prints each run and the median.
# Usage: scripts/bench-edit-to-diff.sh [RUNS]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
crate=services/account/src/lib.rs
cargo build --quiet --package xtask # warm: the first build is not what this measures
walls=()
for i in $(seq "$runs"); do
  touch "$crate"
  start=$(date +%s%N)
  cargo xtask diff --env prd >/dev/null || [ $? -eq 3 ] # 3 = changes found, still a diff
  end=$(date +%s%N)
  wall=$(( (end - start) / 1000000 ))
  walls+=("$wall")
  echo "run $i: ${wall} ms"
done
median=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
echo "edit_to_diff_ms=$median runs=$runs"

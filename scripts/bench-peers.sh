#!/usr/bin/env bash
# Runs the peer generators of ../shared/bench (cdk8s and KCL) and kumiki on the same N in one
# run, and prints each tool's median wall time and peak RSS and kumiki's ratios.
# Usage: scripts/bench-peers.sh [N ...]   (default: 1000)   Env: RUNS (default 5)
# KCL runs on kcl-lib from PyPI, installed once into a venv of ours ($TMPDIR/kumiki-kcl-venv;
# KCL_PYTHON overrides it), not into ../shared; without it KCL is skipped with a message.
# The peers are not part of kumiki: without ../shared/bench the script says so and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
peers=../shared/bench
if [ ! -d "$peers" ]; then
  echo "$peers is absent: no peers to compare with (cargo xtask bench still measures kumiki)" >&2
  exit 0
fi
runs="${RUNS:-5}"
ns=("$@"); [ ${#ns[@]} -gt 0 ] || ns=(1000)
out=/tmp/kumiki-peer-bench; [ -d /dev/shm ] && out=/dev/shm/kumiki-peer-bench
mkdir -p "$out"
tools=(cdk8s)
if [ -z "${KCL_PYTHON:-}" ]; then
  kcl_venv="${TMPDIR:-/tmp}/kumiki-kcl-venv"
  if [ ! -x "$kcl_venv/bin/python" ] || ! "$kcl_venv/bin/python" -c "import kcl_lib" 2>/dev/null; then
    python3 -m venv "$kcl_venv" && "$kcl_venv/bin/pip" install --quiet --disable-pip-version-check kcl-lib || true
  fi
  export KCL_PYTHON="$kcl_venv/bin/python"
fi
if "$KCL_PYTHON" -c "import kcl_lib" 2>/dev/null; then
  tools+=(kcl)
else
  echo "kcl-lib is not installed (no PyPI?): KCL skipped" >&2
fi

# median wall ms and median peak RSS KiB of `runs` runs of a command, as "wall_ms rss_kib"
measure() {
  local walls=() rsss=() line
  for _ in $(seq "$runs"); do
    /usr/bin/time -o "$out/time.txt" -f '%e %M' "$@" >/dev/null 2>&1
    line=$(tail -1 "$out/time.txt")
    walls+=("$(awk '{printf "%.0f", $1 * 1000}' <<<"$line")"); rsss+=("$(awk '{print $2}' <<<"$line")")
  done
  printf '%s %s\n' "$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")" \
    "$(printf '%s\n' "${rsss[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")"
}

for n in "${ns[@]}"; do
  line=$(cargo xtask bench --services "$n" --runs "$runs" --out "$out" 2>/dev/null | grep "^services=")
  k_wall=$(sed -E 's/.*wall_ms=([0-9.]+).*/\1/' <<<"$line"); k_rss=$(sed -E 's/.*rss_kib=([0-9]+).*/\1/' <<<"$line")
  echo "N=$n kumiki: wall_ms=$k_wall rss_kib=$k_rss"
  for tool in "${tools[@]}"; do
    "$peers/$tool/run.sh" "$n" "$out/$tool-warm" >/dev/null 2>&1 # installs dependencies once
    read -r wall rss < <(measure "$peers/$tool/run.sh" "$n" "$out/$tool-$n")
    awk -v t="$tool" -v n="$n" -v w="$wall" -v r="$rss" -v kw="$k_wall" -v kr="$k_rss" \
      'BEGIN { printf "N=%s %s: wall_ms=%s rss_kib=%s  kumiki is %.1fx faster, uses %.2f of its RSS\n", n, t, w, r, w / kw, kr / r }'
  done
done

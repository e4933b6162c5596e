#!/usr/bin/env bash
# Runs the peer generators of ../shared/bench (cdk8s and KCL) and kumiki on the same N in one
# run, each on tmpfs and on the repository's disk, as whole processes (exec to exit), and
# prints each tool's median wall time and peak RSS and kumiki's ratios: for a full synth, and
# for the synth after a one-service change.
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
# Both file systems, as `cargo xtask bench` measures kumiki: tmpfs and the repository's disk.
tmpfs=/tmp/kumiki-peer-bench; [ -d /dev/shm ] && tmpfs=/dev/shm/kumiki-peer-bench
disk="$PWD/target/kumiki-peer-bench"
mkdir -p "$tmpfs" "$disk"
out="$tmpfs"
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

# Every figure is a whole process timed from exec to exit, medians of RUNS. The peers
# regenerate everything on every synth (their run.sh wipes OUTDIR first), so their synth after
# a one-service change is the same as any of their runs into the existing directory; kumiki's
# incremental figure is a synth after one service changed, into its previous output.
for n in "${ns[@]}"; do
  line=$(cargo xtask bench --services "$n" --runs "$runs" 2>/dev/null | grep "^services=")
  value() { sed -E "s/.*[ ]$1=([0-9.]+).*/\1/" <<<"$line"; }
  k_rss=$(value rss_kib)
  echo "N=$n kumiki: $line"
  for tool in "${tools[@]}"; do
    for fs in tmpfs disk; do
      dir=$tmpfs; [ "$fs" = disk ] && dir=$disk
      k_full=$(value "full_${fs}_ms"); k_incr=$(value "incr_${fs}_ms")
      "$peers/$tool/run.sh" "$n" "$dir/$tool-$n" >/dev/null 2>&1 # installs dependencies once, leaves an output
      read -r wall rss < <(measure "$peers/$tool/run.sh" "$n" "$dir/$tool-$n")
      awk -v t="$tool" -v n="$n" -v fs="$fs" -v w="$wall" -v r="$rss" -v kf="$k_full" -v ki="$k_incr" -v kr="$k_rss" \
        'BEGIN { printf "N=%s %s on %s: wall_ms=%s rss_kib=%s  kumiki full %.1fx faster, after a one-service change %.1fx faster, %.2f of its RSS\n", n, t, fs, w, r, w / kf, w / ki, kr / r }'
      rm -rf "${dir:?}/$tool-$n"
    done
  done
done

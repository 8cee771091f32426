#!/bin/sh
# A short libFuzzer run for scripts/test: smoke.sh FUZZER SECONDS SEEDS [DICT]
# New inputs go to a temporary folder, never into the seed corpus; any crash fails the test.
set -eu
fuzzer=$1 seconds=$2 seeds=$3 dict=${4:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
set -- -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$work/crash-" -print_final_stats=1
[ -n "$dict" ] && set -- "$@" -dict="$dict"
"$fuzzer" "$@" "$work" "$seeds" 2>&1 | grep -E 'stat::number_of_executed_units|ERROR|SUMMARY|Done' || true
if ls "$work"/crash-* >/dev/null 2>&1; then
  echo "crash found; input:"
  od -c "$(ls "$work"/crash-* | head -n 1)" | head -n 20
  exit 1
fi

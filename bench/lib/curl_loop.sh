#!/usr/bin/env bash
# What a user writes today in the shell: one curl process per request, CONCURRENCY loops in
# parallel, each sending the identical captured request (headers and body from files, so the
# key never appears in a process list). Prints "REQUESTS SECONDS ERRORS".
# usage: curl_loop.sh CONCURRENCY REQUESTS METHOD HEADERS_FILE BODY_FILE URL
set -euo pipefail

loop() {
  local n=$1 method=$2 headers=$3 body=$4 url=$5 i
  for ((i = 0; i < n; i++)); do
    curl -s -o /dev/null -w '%{http_code}\n' -X "$method" -H "@$headers" \
      --data-binary "@$body" "$url" || echo "curl-failed"
  done
}

main() {
  local conc=$1 total=$2 method=$3 headers=$4 body=$5 url=$6 w codes
  codes=$(mktemp)
  # stopped (by bench/run's timeout or cleanup): stop the loops too, leave no file behind
  trap 'kill $(jobs -p) 2>/dev/null; rm -f "$codes"; exit 143' TERM INT
  local start end
  start=$(date +%s%N)
  for ((w = 0; w < conc; w++)); do
    # spread the remainder so the loops add up to exactly REQUESTS
    loop $((total / conc + (w < total % conc ? 1 : 0))) "$method" "$headers" "$body" "$url" \
      >>"$codes" &
  done
  wait
  end=$(date +%s%N)
  local errors
  errors=$(grep -cv '^200$' "$codes" || true)
  echo "$(wc -l <"$codes") $(((end - start) / 1000))e-6 $errors"
  rm -f "$codes"
}

main "$@"

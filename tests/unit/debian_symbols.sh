#!/bin/sh
# debian/libcustapi1.symbols names exactly the custapi_* symbols libcustapi.so exports: a
# function added to the library, or one gone, fails here rather than in a package build. Only
# the library's own names are compared: a coverage build's library also exports libgcov's
# (__gcov_*), and that nothing else is exported is scripts/abi-check's to say.
#   debian_symbols.sh SYMBOLS_FILE SHARED_LIBRARY
set -u
command -v nm >/dev/null 2>&1 || { echo "SKIP: nm is not installed"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed -n 's/^ \([A-Za-z_][A-Za-z0-9_]*\)@Base .*/\1/p' "$1" | sort >"$work/listed"
nm -D --defined-only "$2" | awk 'NF == 3 && $3 ~ /^custapi_/ {print $3}' | sort >"$work/exported"
status=0
if [ "$(wc -l <"$work/listed")" -eq 0 ]; then
  echo "FAIL: $1 lists no symbol"
  status=1
fi
unlisted=$(comm -13 "$work/listed" "$work/exported")
if [ -n "$unlisted" ]; then
  echo "FAIL: exported but not in $1 (add ' NAME@Base VERSION', VERSION the next release's):"
  echo "$unlisted"
  status=1
fi
gone=$(comm -23 "$work/listed" "$work/exported")
if [ -n "$gone" ]; then
  echo "FAIL: in $1 but no longer exported (an ABI break: docs/abi.md):"
  echo "$gone"
  status=1
fi
[ $status -eq 0 ] && echo "$(wc -l <"$work/listed") symbols, as exported"
exit $status

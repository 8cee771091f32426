#!/bin/sh
# The command is a client of its own library (docs/internals.md): src/cli reaches library
# features only through the public header, and shares with the library only the utilities of
# one internal header, src/client/cli_support.h (allocation hooks, error construction, json-c
# building, text escaping, suggestions, the clock).
#
#   cli_layer.sh CLI_DIR SUPPORT_HEADER
#
# Fails, naming file and line, when a file of CLI_DIR (recursively, .c and .h)
#  - uses a custapi__ name that is not declared in SUPPORT_HEADER or in a header it includes
#    with #include "...", or
#  - includes a header by "..." that is neither custapi/custapi.h, SUPPORT_HEADER's name,
#    gateway.h (the interface of src/gateway, which is part of the command, not of the
#    library), nor a file of CLI_DIR itself (the command's own headers).
#   cli_layer.sh --self-test CLI_DIR SUPPORT_HEADER
# copies CLI_DIR, adds a file that reaches an internal function through its internal header,
# and passes only when the check refuses that copy (so the check can fail).
set -u

if [ "${1:-}" = "--self-test" ]; then
  cli=$2 support=$3
  tmp=$(mktemp -d) || exit 1
  trap 'rm -rf "$tmp"' EXIT
  cp -R "$cli" "$tmp/cli" || exit 1
  printf '#include "cli_support.h"\n#include "records.h"\nvoid cli_x(void);\nvoid cli_x(void) { custapi__records_free(0); }\n' \
    >"$tmp/cli/sneaky.c"
  if sh "$0" "$tmp/cli" "$support" >"$tmp/out" 2>&1; then
    echo "the check passed a tree that includes records.h and calls custapi__records_free"
    exit 1
  fi
  for want in 'sneaky.c:2: includes "records.h"' 'sneaky.c:4: uses custapi__records_free'; do
    if ! grep -qF "$want" "$tmp/out"; then
      echo "the check did not say: $want"
      cat "$tmp/out"
      exit 1
    fi
  done
  echo "ok: the check refuses an internal include and an internal name"
  exit 0
fi

cli=$1 support=$2
dir=$(dirname "$support")
name=$(basename "$support")
[ -f "$support" ] || { echo "no $support"; exit 1; }

# The names the utility header lends: its own and those of the headers it includes.
headers=$support
for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$support"); do
  for d in "$dir" "$dir/../common" "$dir/../client"; do
    if [ -f "$d/$inc" ]; then
      headers="$headers $d/$inc"
      break
    fi
  done
done
allowed=$(grep -ohE '\bcustapi__[A-Za-z0-9_]+' $headers | sort -u)

# The loops below run in pipelines (subshells): each refusal appends a line to this file.
cli_layer_fail=$(mktemp) || exit 1
trap 'rm -f "$cli_layer_fail"' EXIT
for f in $(find "$cli" -type f \( -name '*.c' -o -name '*.h' \) | sort); do
  rel=${f#"$cli"/}
  # Includes by "...": the public header, the utility header, or the command's own.
  grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
    sed 's/^\([0-9]*\):.*"\([^"]*\)".*/\1 \2/' |
    while read -r line inc; do
      case $inc in
      custapi/custapi.h | "$name" | gateway.h) continue ;;
      esac
      case $inc in
      */*) ;;
      *) [ -f "$(dirname "$f")/$inc" ] && continue ;;
      esac
      echo "src/cli/$rel:$line: includes \"$inc\": the command reaches the library through custapi/custapi.h (and $name for the shared utilities)"
      echo x >>"$cli_layer_fail"
    done
  # custapi__ names: only the utility header's.
  grep -noE '\bcustapi__[A-Za-z0-9_]+' "$f" |
    while IFS=: read -r line ident; do
      if ! printf '%s\n' "$allowed" | grep -qx "$ident"; then
        echo "src/cli/$rel:$line: uses $ident, an internal name that $name does not lend: make the feature public API (custapi.h) or, for a small shared utility, declare it there"
        echo x >>"$cli_layer_fail"
      fi
    done
done

if [ -s "$cli_layer_fail" ]; then
  echo "$(wc -l <"$cli_layer_fail") place(s) where src/cli reaches past custapi.h and $name"
  exit 1
fi
echo "ok: src/cli reaches the library through custapi/custapi.h and $name only"
exit 0

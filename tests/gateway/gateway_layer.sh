#!/bin/sh
# src/gateway reaches the layers below it only through the headers each offers it
# (docs/internals.md): the client through caller.h (its call machinery without credentials),
# the codecs through their request sides (rest_request.h, xmlrpc.h), and the model's headers
# in src/common. Never a path with "../", never another header of the client or a codec.
#
#   gateway_layer.sh GATEWAY_DIR COMMON_DIR
#
# Fails, naming file and line, when a file of GATEWAY_DIR includes by "..." a header that is
# none of: its own files, custapi/custapi.h, a header of COMMON_DIR, caller.h, rest_request.h,
# xmlrpc.h.
#   gateway_layer.sh --self-test GATEWAY_DIR COMMON_DIR
# copies GATEWAY_DIR, adds a file that includes the client's transport.h and a "../" path, and
# passes only when the check refuses that copy (so the check can fail).
set -u

if [ "${1:-}" = "--self-test" ]; then
  gw=$2 common=$3
  tmp=$(mktemp -d) || exit 1
  trap 'rm -rf "$tmp"' EXIT
  cp -R "$gw" "$tmp/gw" || exit 1
  printf '#include "transport.h"\n#include "../xmlrpc/xmlrpc.h"\n' >"$tmp/gw/sneaky.c"
  if sh "$0" "$tmp/gw" "$common" >"$tmp/out" 2>&1; then
    echo "the check passed a tree that includes transport.h and ../xmlrpc/xmlrpc.h"
    exit 1
  fi
  for want in 'sneaky.c:1: includes "transport.h"' 'sneaky.c:2: includes "../xmlrpc/xmlrpc.h"'; do
    if ! grep -qF "$want" "$tmp/out"; then
      echo "the check did not say: $want"
      cat "$tmp/out"
      exit 1
    fi
  done
  echo "ok: the check refuses a client header and a ../ path"
  exit 0
fi

gw=$1 common=$2
bad=0
for f in "$gw"/*.c "$gw"/*.h; do
  [ -f "$f" ] || continue
  # grep -n prints LINE:#include "NAME"
  for hit in $(grep -n '^#include "[^"]*"' "$f" | sed 's/^\([0-9]*\):#include "\([^"]*\)".*/\1:\2/'); do
    line=${hit%%:*} name=${hit#*:}
    case "$name" in
    */../* | ../*) ok=0 ;;
    custapi/custapi.h | caller.h | rest_request.h | xmlrpc.h) ok=1 ;;
    */*) ok=0 ;;
    *) if [ -f "$gw/$name" ] || [ -f "$common/$name" ]; then ok=1; else ok=0; fi ;;
    esac
    if [ "$ok" = 0 ]; then
      echo "$(basename "$f"):$line: includes \"$name\": the gateway reaches the client through caller.h and the codecs through rest_request.h and xmlrpc.h only"
      bad=1
    fi
  done
done
[ "$bad" = 0 ] && echo "ok: src/gateway includes only the headers meant for it"
exit "$bad"

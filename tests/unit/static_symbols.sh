#!/bin/sh
# Every global symbol the library's archives define starts with custapi (docs/internals.md), so
# a program that links libcustapi.a can't collide with its names.
#   static_symbols.sh ARCHIVE...   (libcustapi.a and the layers' static libraries it is made of)
set -u
status=0
for archive in "$@"; do
  stray=$(nm -g --defined-only "$archive" 2>/dev/null | awk 'NF == 3 && $3 !~ /^custapi/ {print $3}' |
    sort -u)
  if [ -n "$stray" ]; then
    echo "FAIL: $(basename "$archive") defines global symbols without the custapi prefix:"
    echo "$stray"
    status=1
  fi
done
[ $status -eq 0 ] && echo "every global symbol of $# archive(s) starts with custapi"
exit $status

#!/bin/sh
# The static link README "Install" shows, as a library user makes it: install into a temporary
# root, link examples/update_customer.c with
#   cc app.c $(pkg-config --cflags custapi) -Wl,-Bstatic $(pkg-config --static --libs custapi)
# check that the program needs no libcustapi.so (and still needs the shared libcurl), then run
# it against the reference server. A shared link made the same way needs libcustapi.so: the
# check can tell them apart; it runs too, loading the installed libcustapi.so.1.
#   static_link.sh   with MESON BUILD_ROOT SOURCE_ROOT CC PKG_CONFIG READELF CUSTAPI_REFSERVER
#                    and EXTRA_LINK_ARGS (the build's coverage or sanitizer flags) set by meson
# With INSTALLED_ROOT set (scripts/package: the unpacked .deb files), that tree is used as it is
# instead of a meson install, and its installed example is linked.
set -u
CC=${CC:-cc}
EXTRA_LINK_ARGS=${EXTRA_LINK_ARGS:-}
fail() { echo "FAIL: $*"; exit 1; }
for tool in "$PKG_CONFIG" "$READELF"; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool is not installed"; exit 77; }
done

work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ -n "${INSTALLED_ROOT:-}" ]; then
  root=$INSTALLED_ROOT
  example=$(find "$root" -path '*/share/doc/custapi/examples/update_customer.c' | head -n 1)
  [ -n "$example" ] || fail "examples/update_customer.c is not installed"
else
  root=$work/root
  "$MESON" install -C "$BUILD_ROOT" --no-rebuild --quiet --destdir "$root" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log"; fail "meson install failed"; }
  example=$SOURCE_ROOT/examples/update_customer.c
fi
pc=$(find "$root" -name custapi.pc | head -n 1)
[ -n "$pc" ] || fail "custapi.pc is not installed"
prefix=$(sed -n 's/^prefix=//p' "$pc")
archive=$(find "$root" -name libcustapi.a | head -n 1)
[ -n "$archive" ] || fail "libcustapi.a is not installed"

# pkg-config as a user of the installed tree would run it, the prefix moved into the root.
pkgconf() {
  PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_LIBDIR=$(dirname "$pc") \
    "$PKG_CONFIG" --define-variable=prefix="$root$prefix" "$@"
}
cflags=$(pkgconf --cflags custapi) || fail "pkg-config --cflags custapi"
static_libs=$(pkgconf --static --libs custapi) || fail "pkg-config --static --libs custapi"
shared_libs=$(pkgconf --libs custapi) || fail "pkg-config --libs custapi"
echo "static line: $static_libs"

# shellcheck disable=SC2086 # CC and the pkg-config output are lists of words
$CC "$example" $cflags -Wl,-Bstatic $static_libs $EXTRA_LINK_ARGS -o "$work/static" \
  >"$work/link.log" 2>&1 || { cat "$work/link.log"; fail "the static link failed"; }
# shellcheck disable=SC2086
$CC "$example" $cflags $shared_libs $EXTRA_LINK_ARGS -o "$work/shared" \
  >"$work/link.log" 2>&1 || { cat "$work/link.log"; fail "the shared link failed"; }

needed() { "$READELF" -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
needed "$work/static" >"$work/static.needed"
needed "$work/shared" >"$work/shared.needed"
echo "the static program needs: $(tr '\n' ' ' <"$work/static.needed")"
grep -q '^libcustapi\.so' "$work/static.needed" && fail "the static link needs libcustapi.so"
grep -q '^libcurl' "$work/static.needed" || fail "the static link does not need the shared libcurl"
grep -q '^libcustapi\.so\.1$' "$work/shared.needed" || fail "the shared link does not need libcustapi.so.1"

# Run it: one update over REST against the reference server, on a free loopback port.
CUSTAPI_REFSERVER_KEY=static-link-key "$CUSTAPI_REFSERVER" --listen 127.0.0.1:0 \
  --port-file "$work/port" --quiet &
server=$!
tries=0
until [ -s "$work/port" ]; do
  tries=$((tries + 1))
  [ "$tries" -le 200 ] || fail "the reference server did not start"
  kill -0 "$server" 2>/dev/null || fail "the reference server exited"
  sleep 0.05
done
out=$(CUSTAPI_API_KEY=static-link-key "$work/static" "http://127.0.0.1:$(cat "$work/port")" demo \
  12 321 rest 2>&1) || fail "the static program failed: $out"
case $out in
*"updated customer 12 over rest"*'"sms_quota":321'*) ;;
*) fail "unexpected output: $out" ;;
esac
echo "ok: linked with libcustapi.a, libcurl and the rest shared, and ran"

libdir=$(dirname "$archive")
LD_LIBRARY_PATH=$libdir ldd "$work/shared" | grep -qF "libcustapi.so.1 => $libdir/libcustapi.so.1" ||
  fail "the shared program does not load the installed libcustapi.so.1"
out=$(LD_LIBRARY_PATH=$libdir CUSTAPI_API_KEY=static-link-key "$work/shared" \
  "http://127.0.0.1:$(cat "$work/port")" demo 13 654 xmlrpc 2>&1) ||
  fail "the shared program failed: $out"
case $out in
*"over xmlrpc"*"result: 13"*) ;;
*) fail "unexpected output: $out" ;;
esac
echo "ok: linked with the installed libcustapi.so, loaded it, and ran"

#!/bin/sh
# The README's cron line, run exactly as written (issue 22): taken from README.md (so the test
# fails when the README drifts), run as cron runs it (env -i, cron's few variables, /bin/sh -c)
# twice, a tick with work and a tick with nothing left, over each protocol: both print nothing
# and exit 0, and the results file holds the whole record.
#
# The line names /var/spool/custapi/...: the test runs it in a user and mount namespace of its
# own (unshare -rm) with a tmpfs over /var/spool, so that nothing of the machine is touched.
#
#   readme_cron.sh README CUSTAPI_EXE CUSTAPI_REFSERVER
set -u
readme=$1 exe=$2 refserver=$3

fail() { echo "readme_cron: FAILED: $*"; exit 1; }

# The first crontab line of the README: five time fields, then the command.
line=$(grep -m1 -E '^(\*|[0-9/,-]+)( +(\*|[0-9/,-]+)){4} +custapi ' "$readme") ||
  fail "no crontab line (* * * * *  custapi ...) in $readme"
command=$(printf '%s\n' "$line" | sed -E 's/^[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +//')
case $command in
*--profile\ prod*) ;;
*) fail "the README's cron line no longer names --profile prod: update this test: $command" ;;
esac
case $command in
*/var/spool/custapi/*) ;;
*) fail "the README's cron line no longer keeps its files in /var/spool/custapi: $command" ;;
esac

unshare -rm true 2>/dev/null || {
  echo "skipping: unshare -rm (a user and mount namespace) is not allowed here, and the line"
  echo "writes to /var/spool/custapi, which this test will not touch outside one"
  exit 77
}

work=$(mktemp -d /tmp/custapi-readme-cron-XXXXXX)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

key=readme-cron-key-3e1f
CUSTAPI_REFSERVER_KEY=$key "$refserver" --listen 127.0.0.1:0 --port-file "$work/port" \
  --seed 100 --quiet &
server_pid=$!
i=0
while [ ! -s "$work/port" ]; do
  i=$((i + 1))
  [ $i -lt 200 ] || fail "the reference server did not start"
  sleep 0.05
done
port=$(cat "$work/port")

mkdir -p "$work/bin" "$work/home/.config/custapi"
ln -s "$exe" "$work/bin/custapi"
printf '%s' "$key" >"$work/home/prod.key"
chmod 600 "$work/home/prod.key"
printf '{"id":%d,"sms_quota":%d}\n' 7 1 8 2 7 3 9 4 >"$work/updates.jsonl"

for protocol in rest xmlrpc; do
  cat >"$work/home/.config/custapi/config" <<EOF
[prod]
url = http://127.0.0.1:$port
protocol = $protocol
username = demo
api-key-file = $work/home/prod.key
EOF
  chmod 600 "$work/home/.config/custapi/config"
  # In the namespace: a tmpfs over /var/spool, the input in place, then the line twice under
  # cron's environment. Its checks run in there too (the tmpfs goes with the namespace).
  unshare -rm sh -s "$work" "$command" <<'INNER' || exit 1
set -u
work=$1 command=$2
fail() { echo "readme_cron: FAILED: $*"; exit 1; }
mount -t tmpfs tmpfs /var/spool || fail "can't mount a tmpfs over /var/spool"
mkdir /var/spool/custapi
cp "$work/updates.jsonl" /var/spool/custapi/updates.jsonl
for tick in 1 2; do
  env -i HOME="$work/home" LOGNAME=cron SHELL=/bin/sh PATH="$work/bin:/usr/bin:/bin" \
    /bin/sh -c "$command" >"$work/out" 2>"$work/err"
  status=$?
  [ $status -eq 0 ] || fail "tick $tick: exit $status: $(cat "$work/out" "$work/err")"
  [ ! -s "$work/out" ] || fail "tick $tick printed on stdout: $(cat "$work/out")"
  [ ! -s "$work/err" ] || fail "tick $tick printed on stderr: $(cat "$work/err")"
  lines=$(wc -l </var/spool/custapi/updates.results)
  # the header and one ok line per record, after either tick
  [ "$lines" -eq 5 ] || fail "tick $tick: the results file has $lines lines, not 5"
  [ "$(grep -c '"ok":true' /var/spool/custapi/updates.results)" -eq 4 ] ||
    fail "tick $tick: not every record is recorded ok: $(cat /var/spool/custapi/updates.results)"
done
INNER
  echo "readme_cron: $protocol: two ticks of the README's cron line, both silent"
done
exit 0

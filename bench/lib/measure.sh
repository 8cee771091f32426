# shellcheck shell=bash
# bench/lib/measure.sh: one function per tool; each runs a bounded measurement (a fixed
# request count, or wrk's fixed duration) and appends one row to $results:
#   server proto conc tool requests seconds cpu_seconds peak_rss_kib errors

record() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$results"; }

# timed NAME CMD...: runs CMD with a hard time limit under GNU time, whose
# "wall user sys maxrss_kib" lands in $workdir/NAME.time; stdout in NAME.out, stderr NAME.err.
# It runs in the background and is waited for, so that an interrupt stops the run at once
# (bash defers a trap until a foreground command ends); cleanup stops it by running_pid.
timed() {
  local name=$1 rc=0
  shift
  timeout -k 5 "$BENCH_TIMEOUT" /usr/bin/time -f '%e %U %S %M' -o "$workdir/$name.time" \
    "$@" >"$workdir/$name.out" 2>"$workdir/$name.err" &
  running_pid=$!
  wait "$running_pid" || rc=$?
  running_pid=""
  return "$rc"
}

# GNU time writes "Command exited with non-zero status N" above its figures when the command
# fails: the figures are the last line.
cpu_of() { awk 'END { printf "%.2f", $2 + $3 }' "$workdir/$1.time"; }
rss_of() { awk 'END { print $4 + 0 }' "$workdir/$1.time"; }

# make_records FILE COUNT: JSON Lines updates, ids cycling over the seeded customers so that
# no id repeats within a window of BENCH_IDS records (bulk never runs one id twice at once).
make_records() {
  awk -v n="$2" -v ids="$BENCH_IDS" \
    'BEGIN { for (i = 0; i < n; i++) printf "{\"id\":%d,\"sms_quota\":%d}\n", i % ids + 1, i % 50 }' \
    >"$1"
}

records_file() {
  local f="$workdir/records-$1.jsonl"
  [ -s "$f" ] || make_records "$f" "$1"
  echo "$f"
}

# The bulk command may not be in this build yet: then only the peers are measured.
have_bulk() {
  local said
  said=$("$custapi" bulk </dev/null 2>&1 || true)
  [[ "$said" != *"not available in this build"* ]]
}

# measure_custapi SERVER PROTO CONC RECORDS [TOOL]
measure_custapi() {
  local server=$1 proto=$2 conc=$3 n=$4 tool=${5:-custapi} input name start end rc=0
  input=$(records_file "$n")
  name="custapi-$server-$proto-$conc-$n"
  rm -f "$workdir/$name.results"
  start=$(date +%s%N)
  CUSTAPI_API_KEY="$CUSTAPI_REFSERVER_KEY" timed "$name" "$custapi" --url "$server_url" \
    --username "$BENCH_USER" --protocol "$proto" bulk --input "$input" --concurrency "$conc" \
    --results "$workdir/$name.results" || rc=$?
  end=$(date +%s%N)
  local ok=0
  [ -f "$workdir/$name.results" ] && ok=$(grep -c '"ok":true' "$workdir/$name.results" || true)
  if [ "$rc" -ne 0 ] || [ "$ok" -ne "$n" ]; then
    note "custapi bulk ($server $proto c$conc, $n records) exit $rc, $ok ok: $(head -c 300 "$workdir/$name.err")"
  fi
  record "$server" "$proto" "$conc" "$tool" "$n" "$(((end - start) / 1000))e-6" \
    "$(cpu_of "$name")" "$(rss_of "$name")" $((n - ok))
}

# compile_python: the package in the build tree byte-compiled, as an installed one is once it has
# been imported (or by its Debian package). Python does not write its caches here under
# PYTHONDONTWRITEBYTECODE; without them every run would compile the modules afresh (17 ms each
# on this machine), a cost no installed copy has.
compile_python() {
  "$BENCH_PYTHON" -m compileall -q "$BENCH_BUILD/python/custapi" >/dev/null ||
    die "$BENCH_PYTHON could not byte-compile $BENCH_BUILD/python/custapi"
}

# measure_pybulk SERVER PROTO CONC RECORDS: custapi for Python's bulk over a generator of dicts
# (bench/lib/pybulk.py), timed as measure_custapi times the command, results file included.
measure_pybulk() {
  local server=$1 proto=$2 conc=$3 n=$4 name="pybulk-$1-$2-$3-$4" start end rc=0
  rm -f "$workdir/$name.results"
  start=$(date +%s%N)
  PYTHONPATH="$BENCH_BUILD/python" timed "$name" "$BENCH_PYTHON" "$bench_dir/lib/pybulk.py" \
    "$proto" "$server_url" "$n" "$conc" "$BENCH_IDS" "$workdir/$name.results" || rc=$?
  end=$(date +%s%N)
  local ok=0
  [ -f "$workdir/$name.results" ] && ok=$(grep -c '"ok":true' "$workdir/$name.results" || true)
  if [ "$rc" -ne 0 ] || [ "$ok" -ne "$n" ]; then
    note "python bulk ($server $proto c$conc, $n records) exit $rc, $ok ok: $(head -c 300 "$workdir/$name.err")"
  fi
  record "$server" "$proto" "$conc" pybulk "$n" "$(((end - start) / 1000))e-6" \
    "$(cpu_of "$name")" "$(rss_of "$name")" $((n - ok))
}

# measure_wrk SERVER PROTO CONC: one thread (custapi's bulk is one event loop too), CONC
# connections, BENCH_WRK_SECONDS of the captured request.
measure_wrk() {
  local server=$1 proto=$2 conc=$3 name="wrk-$1-$2-$3"
  timed "$name" wrk -t 1 -c "$conc" -d "${BENCH_WRK_SECONDS}s" -s "$workdir/req/$proto.lua" \
    "$server_url" || die "wrk failed: $(head -c 300 "$workdir/$name.err")"
  local rps requests errors
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$workdir/$name.out")
  requests=$(awk '/ requests in / { print $1 }' "$workdir/$name.out")
  errors=$(awk '/Non-2xx or 3xx responses:/ { n += $NF } /Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' "$workdir/$name.out")
  [ -n "$rps" ] && [ -n "$requests" ] || die "could not read wrk's output: $(cat "$workdir/$name.out")"
  record "$server" "$proto" "$conc" wrk "$requests" \
    "$(awk -v r="$requests" -v s="$rps" 'BEGIN { printf "%.6f", r / s }')" \
    "$(cpu_of "$name")" "$(rss_of "$name")" "$errors"
}

# measure_peer SERVER PROTO CONC TOOL CMD...: CMD prints "REQUESTS SECONDS ERRORS".
measure_peer() {
  local server=$1 proto=$2 conc=$3 tool=$4 name="$4-$1-$2-$3"
  shift 4
  timed "$name" "$@" || die "$tool failed: $(head -c 300 "$workdir/$name.err")"
  local requests seconds errors
  read -r requests seconds errors <"$workdir/$name.out"
  record "$server" "$proto" "$conc" "$tool" "$requests" "$seconds" "$(cpu_of "$name")" \
    "$(rss_of "$name")" "$errors"
}

# The libcurl floor: a C program of its own, outside the meson project (nothing installs it).
build_floor() {
  local cflags libs
  if ! cflags=$(pkg-config --cflags libcurl) || ! libs=$(pkg-config --libs libcurl); then
    die "pkg-config does not know libcurl (Debian: libcurl4-openssl-dev, pkg-config)"
  fi
  floor="$BENCH_BUILD/curl_floor"
  if [ ! -x "$floor" ] || [ "$bench_dir/curl_floor.c" -nt "$floor" ]; then
    # shellcheck disable=SC2086 # pkg-config's flags are words
    cc -std=c11 -O2 -Wall -Wextra -Werror $cflags -o "$floor" "$bench_dir/curl_floor.c" $libs \
      2>"$workdir/floor-build.log" || die "curl_floor did not build: $(cat "$workdir/floor-build.log")"
  fi
}

# measure_floor SERVER PROTO CONC REQUESTS: the bare libcurl multi loop (bench/curl_floor.c)
# sending custapi's captured request, CONC easy handles re-used.
measure_floor() {
  local r="$workdir/req/$2" path
  path=$(cat "$r.path")
  [ "$2" = rest ] && path=rest # /api/2.0/customers/ID, ids cycling like the records'
  measure_peer "$1" "$2" "$3" libcurl "$floor" "$(cat "$r.method")" "$r.headers" "$r.body" \
    "$server_url" "$path" "$4" "$3" "$BENCH_IDS"
}

# measure_single SERVER PROTO: one `custapi update` process against one `curl` process sending
# the identical request (captured), BENCH_SINGLE_RUNS times each, interleaved; the medians of
# wall and CPU time (bench/lib/single.py) become two rows, requests = runs, seconds = wall.
measure_single() {
  local server=$1 proto=$2 r="$workdir/req/$2" name="single-$1-$2"
  printf '%s\n' "$custapi" --url "$server_url" --username "$BENCH_USER" --protocol "$proto" \
    update --id 1 sms_quota=7 >"$workdir/$name.custapi"
  printf '%s\n' curl -s --fail -o /dev/null -X "$(cat "$r.method")" -H "@$r.headers" \
    --data-binary "@$r.body" "$server_url$(cat "$r.path")" >"$workdir/$name.curl"
  CUSTAPI_API_KEY="$CUSTAPI_REFSERVER_KEY" timed "$name" python3 "$bench_dir/lib/single.py" \
    "$BENCH_SINGLE_RUNS" "custapi=$workdir/$name.custapi" "curl=$workdir/$name.curl" ||
    die "one-update comparison failed: $(head -c 300 "$workdir/$name.err")"
  local tool runs wall cpu
  while read -r tool runs wall cpu; do
    record "$server" "$proto" 1 "single-$tool" "$runs" "$wall" "$cpu" 0 0
  done <"$workdir/$name.out"
}

measure_python() {
  measure_peer "$1" "$2" "$3" python python3 "$bench_dir/lib/pyclient.py" "$2" "$server_url" \
    "$BENCH_PYTHON_REQUESTS" "$3" "$BENCH_IDS"
}

measure_curl() {
  local r="$workdir/req/$2"
  measure_peer "$1" "$2" "$3" curl "$bench_dir/lib/curl_loop.sh" "$3" "$BENCH_CURL_REQUESTS" \
    "$(cat "$r.method")" "$r.headers" "$r.body" "$server_url$(cat "$r.path")"
}

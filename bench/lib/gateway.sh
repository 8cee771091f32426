# shellcheck shell=bash
# bench/lib/gateway.sh: `custapi gateway --upstream same` (and `--upstream rest` for XML-RPC
# callers) against nginx's own proxy_pass, each in front of the same static responder (nginx
# answering canned bodies), measured with wrk and the captured requests at concurrency
# BENCH_GATEWAY_CONC (16); and at concurrency 1 the median latency the gateway adds over calling
# the responder directly. Issue 21's goal: the gateway at least 0.8 of nginx's rate over both
# protocols with no failed request. Rows go to $workdir/gateway.tsv (rates) and
# $workdir/gateway-latency.tsv; gateway_report prints the tables.
# Needs start_nginx (servers.sh), timed (measure.sh) and the captured requests.

: "${BENCH_GATEWAY_CONC:=16}"

# The gateway command may not be in this build.
have_gateway() {
  local said
  said=$("$custapi" gateway 2>&1 || true)
  [[ "$said" != *"not available in this build"* && "$said" != *"unknown command"* ]]
}

# start_proxy_nginx UPSTREAM_URL: a second nginx, one worker, proxy_pass with kept-alive
# upstream connections (nginx's default would open one per request). Sets proxy_pid, proxy_url.
start_proxy_nginx() {
  local upstream=${1#http://} dir="$workdir/nginx-proxy" port
  mkdir -p "$dir"
  port=$(free_port)
  {
    nginx_conf_head "$dir"
    cat <<CONF
  upstream install {
    server $upstream;
    keepalive 64;
    keepalive_requests 100000000;
  }
  server {
    listen 127.0.0.1:$port;
    location / {
      proxy_pass http://install;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
  } >"$dir/nginx.conf"
  nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" &
  proxy_pid=$!
  remember_pid "$proxy_pid"
  proxy_url="http://127.0.0.1:$port"
  wait_for_http "$proxy_url/api/2.0/xmlrpc/" || die "nginx (proxy) did not start: $(tail -n 3 "$dir/error.log" 2>/dev/null)"
}

# start_gateway UPSTREAM_URL MODE: sets gateway_pid and gateway_url.
start_gateway() {
  local portfile="$workdir/gateway-$2.port"
  rm -f "$portfile"
  "$custapi" --url "$1" gateway --listen 127.0.0.1:0 --port-file "$portfile" --upstream "$2" \
    >"$workdir/gateway-$2.summary" 2>"$workdir/gateway-$2.log" &
  gateway_pid=$!
  remember_pid "$gateway_pid"
  wait_for_file "$portfile" || die "the gateway did not start: $(head -c 300 "$workdir/gateway-$2.log")"
  gateway_url="http://127.0.0.1:$(cat "$portfile")"
}

# varying_lua PROTO: the captured request, with the customer id cycling over 1..BENCH_IDS.
# The gateway forwards two updates of one id one at a time, never at once (nginx does not
# know ids): with the one captured id, every request would queue behind the one before.
varying_lua() {
  local proto=$1 out="$workdir/req/$1-ids.lua"
  cp "$workdir/req/$proto.lua" "$out"
  if [ "$proto" = rest ]; then
    cat >>"$out" <<LUA
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, "/api/2.0/customers/" .. (counter % $BENCH_IDS + 1))
end
LUA
  else
    cat >>"$out" <<LUA
counter = 0
request = function()
  counter = counter + 1
  local body = wrk.body:gsub("<i4>1</i4>", "<i4>" .. (counter % $BENCH_IDS + 1) .. "</i4>", 1)
  return wrk.format(nil, nil, nil, body)
end
LUA
  fi
  echo "$out"
}

# cpu_ticks PID: user + system clock ticks the process has used so far (0 when it is gone).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# front_worker PID: the process that does a front's work: nginx's one worker (its master only
# forks it), or the gateway itself.
front_worker() {
  local child
  child=$(pgrep -P "$1" | head -n 1 || true)
  echo "${child:-$1}"
}

# gateway_wrk FRONT PROTO URL [CONC [PID]]: one wrk run through a front; one row in gateway.tsv:
# front, protocol, requests per second, errors, requests, and with PID the CPU seconds that
# process used during the run (at concurrency 1: the median latency, in microseconds, in
# gateway-latency.tsv).
gateway_wrk() {
  local front=$1 proto=$2 url=$3 conc=${4:-$BENCH_GATEWAY_CONC} pid=${5:-} before=0 after=0
  local name="wrk-gw-$1-$2-c${4:-$BENCH_GATEWAY_CONC}"
  [ -n "$pid" ] && before=$(cpu_ticks "$pid")
  timed "$name" wrk -t 1 -c "$conc" -d "${BENCH_WRK_SECONDS}s" --latency \
    -s "$(varying_lua "$proto")" "$url" || die "wrk failed: $(head -c 300 "$workdir/$name.err")"
  [ -n "$pid" ] && after=$(cpu_ticks "$pid")
  if [ "$conc" = 1 ]; then
    # wrk's "50%" line: the median latency, in us, ms or s.
    awk -v f="$front" -v p="$proto" '$1 == "50%" { v = $2; u = 1
      if (v ~ /us$/) { sub(/us$/, "", v) } else if (v ~ /ms$/) { sub(/ms$/, "", v); u = 1000 }
      else if (v ~ /s$/) { sub(/s$/, "", v); u = 1000000 }
      printf "%s\t%s\t%.1f\n", f, p, v * u }' "$workdir/$name.out" >>"$workdir/gateway-latency.tsv"
    return
  fi
  local rps errors requests
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$workdir/$name.out")
  requests=$(awk '/ requests in / { print $1 }' "$workdir/$name.out")
  errors=$(awk '/Non-2xx or 3xx responses:/ { n += $NF } /Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' "$workdir/$name.out")
  [ -n "$rps" ] || die "could not read wrk's output: $(cat "$workdir/$name.out")"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$front" "$proto" "$rps" "$errors" "${requests:-0}" \
    "$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", t / hz }')" \
    >>"$workdir/gateway.tsv"
}

bench_gateway() {
  say "gateway vs nginx proxy_pass, in front of the static responder (c$BENCH_GATEWAY_CONC, and c1)"
  : >"$workdir/gateway.tsv"
  : >"$workdir/gateway-latency.tsv"
  start_nginx
  start_proxy_nginx "$server_url"
  start_gateway "$server_url" same
  local same_url=$gateway_url same_pid=$gateway_pid
  start_gateway "$server_url" rest
  local rest_url=$gateway_url rest_pid=$gateway_pid proxy_worker
  proxy_worker=$(front_worker "$proxy_pid")
  local proto i
  for proto in "${PROTOCOLS[@]}"; do
    note "$proto: nginx proxy and gateway x$BENCH_REPEAT, interleaved"
    for ((i = 0; i < BENCH_REPEAT; i++)); do
      gateway_wrk nginx "$proto" "$proxy_url" "$BENCH_GATEWAY_CONC" "$proxy_worker"
      gateway_wrk gateway "$proto" "$same_url" "$BENCH_GATEWAY_CONC" "$same_pid"
      # XML-RPC callers served over REST (a REST caller's is the same as --upstream same).
      [ "$proto" = xmlrpc ] &&
        gateway_wrk gateway-rest "$proto" "$rest_url" "$BENCH_GATEWAY_CONC" "$rest_pid"
      gateway_wrk direct "$proto" "$server_url" 1
      gateway_wrk gateway "$proto" "$same_url" 1
    done
  done
  stop_pid "$same_pid"
  stop_pid "$rest_pid"
  stop_pid "$proxy_pid"
  stop_server
}

# gateway_report: median rate of each front per protocol, the ratios and the goal, and the CPU
# each front's process spent per request beside the libcurl floor's (bench/curl_floor.c, the
# same requests to the same responder at the same concurrency, from the run's results when it
# measured them): the part of the gateway's cost that any libcurl client pays. Then the latency
# the gateway adds at concurrency 1.
gateway_report() {
  echo
  echo "gateway vs nginx proxy_pass, static responder behind, wrk -t 1 -c $BENCH_GATEWAY_CONC: requests per second (median of $BENCH_REPEAT);"
  echo "us/req: CPU microseconds per request of the front's process (all runs); floor us: the libcurl floor's, as a client alone"
  python3 - "$workdir/gateway.tsv" "$workdir/gateway-latency.tsv" "${results:-}" \
    "$BENCH_GATEWAY_CONC" <<'PY'
import os, statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
lat = [line.rstrip("\n").split("\t") for line in open(sys.argv[2]) if line.strip()]
conc = sys.argv[4]
floor = {}
if sys.argv[3] and os.path.exists(sys.argv[3]):
    for line in open(sys.argv[3]):
        f = line.rstrip("\n").split("\t")
        # server proto conc tool requests seconds cpu rss errors; the median run's is not
        # known here: the CPU per request over all of the floor's runs
        if len(f) == 9 and f[0] == "static" and f[2] == conc and f[3] == "libcurl":
            n, cpu = floor.get(f[1], (0, 0.0))
            floor[f[1]] = (n + int(f[4]), cpu + float(f[6]))


def us_per_request(front, proto):
    picked = [r for r in rows if r[0] == front and r[1] == proto and len(r) >= 6]
    n = sum(int(r[4]) for r in picked)
    return sum(float(r[5]) for r in picked) * 1e6 / n if n else None


def fmt(v):
    return "%.1f" % v if v is not None else "n/a"


print("   proto  upstream  nginx/s  gateway/s  gw/nginx  errors  nginx us/req  gw us/req"
      "  floor us  goal >= 0.8")
for proto in ("rest", "xmlrpc"):
    for front, mode in (("gateway", "same"), ("gateway-rest", "rest")):
        rate = {f: statistics.median(float(r[2]) for r in rows if r[0] == f and r[1] == proto)
                for f in ("nginx", front) if any(r[0] == f and r[1] == proto for r in rows)}
        if len(rate) < 2:
            continue
        errors = sum(int(r[3]) for r in rows if r[1] == proto and r[0] in ("nginx", front))
        ratio = rate[front] / rate["nginx"] if rate["nginx"] else 0
        n, cpu = floor.get(proto, (0, 0.0))
        print("%8s %9s %8.0f %10.0f %9.2f %7d %13s %10s %9s  %s" % (
            proto, mode, rate["nginx"], rate[front], ratio, errors,
            fmt(us_per_request("nginx", proto)), fmt(us_per_request(front, proto)),
            fmt(cpu * 1e6 / n if n else None),
            "met" if ratio >= 0.8 and not errors else "MISS"))
print()
print("latency the gateway (--upstream same) adds at c1: median of wrk's 50% latency")
print("   proto  direct us  gateway us  added us")
for proto in ("rest", "xmlrpc"):
    d = [float(r[2]) for r in lat if r[0] == "direct" and r[1] == proto]
    g = [float(r[2]) for r in lat if r[0] == "gateway" and r[1] == proto]
    if d and g:
        md, mg = statistics.median(d), statistics.median(g)
        print("%8s %10.0f %11.0f %9.0f" % (proto, md, mg, mg - md))
PY
}

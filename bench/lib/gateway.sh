# shellcheck shell=bash
# bench/lib/gateway.sh: `custapi gateway --upstream same` against nginx's own proxy_pass, each
# in front of the same static responder (nginx answering canned bodies), measured with wrk and
# the captured requests at concurrency BENCH_GATEWAY_CONC (16). Issue 15's goal: the gateway at
# least 0.8 of nginx's rate. Rows go to $workdir/gateway.tsv; gateway_report prints the table.
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

# start_gateway UPSTREAM_URL: sets gateway_pid and gateway_url.
start_gateway() {
  local portfile="$workdir/gateway.port"
  rm -f "$portfile"
  "$custapi" --url "$1" gateway --listen 127.0.0.1:0 --port-file "$portfile" --upstream same \
    >"$workdir/gateway.summary" 2>"$workdir/gateway.log" &
  gateway_pid=$!
  remember_pid "$gateway_pid"
  wait_for_file "$portfile" || die "the gateway did not start: $(head -c 300 "$workdir/gateway.log")"
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

# gateway_wrk FRONT PROTO URL: one wrk run through a front; one row in gateway.tsv.
gateway_wrk() {
  local front=$1 proto=$2 url=$3 name="wrk-gw-$1-$2"
  timed "$name" wrk -t 1 -c "$BENCH_GATEWAY_CONC" -d "${BENCH_WRK_SECONDS}s" \
    -s "$(varying_lua "$proto")" "$url" || die "wrk failed: $(head -c 300 "$workdir/$name.err")"
  local rps errors
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$workdir/$name.out")
  errors=$(awk '/Non-2xx or 3xx responses:/ { n += $NF } /Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' "$workdir/$name.out")
  [ -n "$rps" ] || die "could not read wrk's output: $(cat "$workdir/$name.out")"
  printf '%s\t%s\t%s\t%s\n' "$front" "$proto" "$rps" "$errors" >>"$workdir/gateway.tsv"
}

bench_gateway() {
  say "gateway vs nginx proxy_pass, in front of the static responder (c$BENCH_GATEWAY_CONC)"
  : >"$workdir/gateway.tsv"
  start_nginx
  start_proxy_nginx "$server_url"
  start_gateway "$server_url"
  local proto i
  for proto in "${PROTOCOLS[@]}"; do
    note "$proto: nginx proxy and gateway x$BENCH_REPEAT, interleaved"
    for ((i = 0; i < BENCH_REPEAT; i++)); do
      gateway_wrk nginx "$proto" "$proxy_url"
      gateway_wrk gateway "$proto" "$gateway_url"
    done
  done
  stop_pid "$gateway_pid"
  stop_pid "$proxy_pid"
  stop_server
}

# gateway_report: median rate of each front per protocol, the ratio and the goal.
gateway_report() {
  echo
  echo "gateway (--upstream same) vs nginx proxy_pass, static responder behind, wrk -t 1 -c $BENCH_GATEWAY_CONC: requests per second (median of $BENCH_REPEAT)"
  python3 - "$workdir/gateway.tsv" <<'PY'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
print("   proto  nginx/s  gateway/s  gw/nginx  errors  goal >= 0.8")
for proto in ("rest", "xmlrpc"):
    rate = {f: statistics.median(float(r[2]) for r in rows if r[0] == f and r[1] == proto)
            for f in ("nginx", "gateway") if any(r[0] == f and r[1] == proto for r in rows)}
    if len(rate) < 2:
        continue
    errors = sum(int(r[3]) for r in rows if r[1] == proto)
    ratio = rate["gateway"] / rate["nginx"] if rate["nginx"] else 0
    print("%8s %8.0f %10.0f %9.2f %7d  %s" % (proto, rate["nginx"], rate["gateway"], ratio,
                                                errors, "met" if ratio >= 0.8 and not errors else "MISS"))
PY
}

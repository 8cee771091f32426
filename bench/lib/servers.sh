# shellcheck shell=bash
# bench/lib/servers.sh: the two servers bench/run measures against, both on 127.0.0.1 and
# stopped on exit (cleanup in common.sh): the reference server, and nginx as a static
# responder answering every request with a canned valid body.

# start_refserver NAME [extra options...]: sets server_pid and server_url.
start_refserver() {
  local name=$1
  shift
  local portfile="$workdir/$name.port"
  rm -f "$portfile"
  "$refserver" --db :memory: --quiet --listen 127.0.0.1:0 --port-file "$portfile" \
    --user "$BENCH_USER" --seed "$BENCH_IDS" --threads "$BENCH_SERVER_THREADS" "$@" \
    2>"$workdir/$name.log" &
  server_pid=$!
  remember_pid "$server_pid"
  wait_for_file "$portfile" || die "$name did not start: $(head -c 300 "$workdir/$name.log")"
  server_url="http://127.0.0.1:$(cat "$portfile")"
}

stop_server() { stop_pid "$server_pid"; }

# capture_requests: one real update per protocol from custapi itself, recorded by a capturing
# reference server, becomes the identical request for wrk, curl and the canned responses.
capture_requests() {
  local proto
  start_refserver capture --capture "$workdir/capture.jsonl"
  for proto in rest xmlrpc; do
    CUSTAPI_API_KEY="$CUSTAPI_REFSERVER_KEY" "$custapi" --url "$server_url" \
      --username "$BENCH_USER" --protocol "$proto" update --id 1 sms_quota=7 \
      >"$workdir/capture-$proto.out" ||
      die "custapi update over $proto failed: $(cat "$workdir/capture-$proto.out")"
  done
  mkdir -p "$workdir/req"
  python3 "$bench_dir/lib/prepare.py" "$workdir/capture.jsonl" "$workdir/req"
  # The reference server's own answers to those requests become nginx's canned bodies.
  for proto in rest xmlrpc; do
    send_captured "$proto" "$server_url" >"$workdir/req/$proto.response"
    check_response "$proto" "$workdir/req/$proto.response"
  done
  stop_server
}

# send_captured PROTO URL: the captured request, once, with curl; the body on stdout.
send_captured() {
  local proto=$1 url=$2 r="$workdir/req/$1"
  curl -s --fail-with-body -X "$(cat "$r.method")" -H "@$r.headers" --data-binary "@$r.body" \
    "$url$(cat "$r.path")"
}

# check_response PROTO FILE: the body is a successful update, not an error or a fault.
check_response() {
  case $1 in
  rest) grep -q '"item"' "$2" || die "REST answer is not an update envelope: $(head -c 200 "$2")" ;;
  xmlrpc)
    grep -q '<fault>' "$2" && die "XML-RPC answer is a fault: $(head -c 300 "$2")"
    grep -Eq '<(int|i4)>' "$2" || die "XML-RPC answer holds no integer: $(head -c 300 "$2")"
    ;;
  esac
}

# nginx_conf_head DIR: the start of every nginx.conf the bench writes, up to the open http
# block: one worker (the client gets the other core), no logs, files under DIR, keep-alive
# without a request limit (nginx's default closes every 1000 requests).
nginx_conf_head() {
  local dir=$1 user_line=""
  [ "$(id -u)" -eq 0 ] && user_line="user $(id -un);"
  cat <<CONF
$user_line
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 75s;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
CONF
}

# write_nginx_conf DIR PORT: the static responder, answering with the canned bodies.
write_nginx_conf() {
  local dir=$1 port=$2
  local rest_body xmlrpc_body
  rest_body=$(python3 "$bench_dir/lib/prepare.py" nginx-quote "$workdir/req/rest.response" cid)
  xmlrpc_body=$(python3 "$bench_dir/lib/prepare.py" nginx-quote "$workdir/req/xmlrpc.response")
  {
    nginx_conf_head "$dir"
    cat <<CONF
  server {
    listen 127.0.0.1:$port;
    # The answer carries the customer the path names, as an install's does.
    location ~ "^/api/2\.0/customers/(?<cid>[0-9]+)$" {
      default_type application/json;
      return 200 $rest_body;
    }
    location = /api/2.0/xmlrpc/ {
      default_type text/xml;
      return 200 $xmlrpc_body;
    }
  }
}
CONF
  } >"$dir/nginx.conf"
}

# start_nginx: sets server_pid and server_url; checks both canned answers come back.
start_nginx() {
  local dir="$workdir/nginx" port attempt
  mkdir -p "$dir"
  for attempt in 1 2 3; do
    port=$(free_port)
    write_nginx_conf "$dir" "$port"
    nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" &
    server_pid=$!
    remember_pid "$server_pid"
    server_url="http://127.0.0.1:$port"
    if wait_for_http "$server_url/api/2.0/xmlrpc/" && kill -0 "$server_pid" 2>/dev/null; then
      local proto
      for proto in rest xmlrpc; do
        send_captured "$proto" "$server_url" >"$workdir/nginx-$proto.check" ||
          die "nginx did not answer the $proto request"
        check_response "$proto" "$workdir/nginx-$proto.check"
      done
      return 0
    fi
    stop_server # the port was taken in between: try another
  done
  die "nginx did not start: $(tail -n 3 "$dir/error.log" 2>/dev/null)"
}

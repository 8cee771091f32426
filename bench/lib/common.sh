# shellcheck shell=bash
# bench/lib/common.sh: shared helpers for bench/run: messages, tools, the scratch
# directory, free ports and the servers it starts (always stopped by pid on exit).

say() { printf '\n== %s\n' "$*" >&2; }
note() { printf '   %s\n' "$*" >&2; }
die() {
  printf 'bench: %s\n' "$*" >&2
  exit 1
}

# Debian packages the benchmark runs, installed only when missing (root, or sudo).
ensure_tools() {
  local wanted=(wrk nginx time curl python3) missing=() p sudo=""
  for p in "${wanted[@]}"; do
    # python3 may come from elsewhere (pyenv): the package is needed only when none runs.
    [ "$p" = python3 ] && command -v python3 >/dev/null 2>&1 && continue
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to install: ${missing[*]}"
    sudo="sudo"
  fi
  note "installing ${missing[*]}"
  # Debian's nginx package starts a system service on port 80 unless policy-rc.d says no;
  # we run our own nginx, so forbid service starts during the install when nothing else does.
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod 755 "$policy"
    own_policy=1
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq >/dev/null &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null || rc=$?
  [ "$own_policy" -eq 1 ] && $sudo rm -f "$policy"
  [ "$rc" -eq 0 ] || die "apt-get could not install: ${missing[*]}"
}

# The scratch directory holds the key-bearing request files: private, removed on exit.
make_workdir() {
  workdir=$(mktemp -d "${TMPDIR:-/tmp}/custapi-bench.XXXXXX")
  chmod 700 "$workdir"
}

# Every process we start is recorded here and stopped on exit, by pid only.
started_pids=()

remember_pid() { started_pids+=("$1"); }

stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local pid
  # the measurement in flight first (timeout passes the signal on to its whole group)
  [ -n "${running_pid:-}" ] && stop_pid "$running_pid"
  for pid in "${started_pids[@]}"; do
    stop_pid "$pid"
  done
  [ -n "${workdir:-}" ] && rm -rf "$workdir"
}

# A port that was free a moment ago (nginx cannot report the one it picked itself).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_for_file() {
  local f=$1
  for _ in $(seq 100); do
    [ -s "$f" ] && return 0
    sleep 0.1
  done
  return 1
}

# wait_for_http URL: true once anything answers HTTP there (any status).
wait_for_http() {
  local url=$1
  for _ in $(seq 100); do
    curl -s -o /dev/null --max-time 1 "$url" && return 0
    sleep 0.1
  done
  return 1
}


# Shared by scripts/demo and scripts/test: where things are, and configuring a build directory.
# shellcheck shell=bash

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# configure DIR [meson options...]: set up DIR once, reconfigure it when it already exists.
configure() {
  local dir=$1
  shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@" >/dev/null
  fi
}

say() { printf '\n== %s\n' "$*"; }

#!/bin/sh
# Stops the Podman API service started by start.sh (same NOX_PODMAN_DIR). Containers it
# still runs are left to the next start's reaper; storage stays so images need no re-import.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=${NOX_PODMAN_DIR:-$root/.ci/tmp/podman}
pidfile="$dir/service.pid"
if [ ! -f "$pidfile" ]; then
  echo "podman-service: not running (no $pidfile)" >&2
  exit 0
fi
pid=$(cat "$pidfile")
if kill -0 "$pid" 2>/dev/null; then
  kill "$pid"
  i=0
  while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 50 ]; do i=$((i + 1)); sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  echo "podman-service: stopped pid $pid" >&2
fi
rm -f "$pidfile" "$dir/podman.sock"

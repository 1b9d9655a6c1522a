#!/bin/sh
# Starts a private Podman API service (Docker-compatible) for Nox's MCP tests and prints
# the DOCKER_HOST to use on stdout (everything else goes to stderr).
#
#   DOCKER_HOST=$(.ci/podman/start.sh) npx mocha 'test/mcp/**/*.test.ts'
#
# Why this shape: the machine has no Docker engine and /etc must not be edited, so the
# engine is Debian's podman + runc, configured through CONTAINERS_CONF and
# CONTAINERS_STORAGE_CONF files under NOX_PODMAN_DIR (default .ci/tmp/podman, git-ignored).
# Storage is private to that folder, so nothing here touches /var/lib/containers.
# Idempotent: when the service of that folder already answers, it only prints DOCKER_HOST.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=${NOX_PODMAN_DIR:-$root/.ci/tmp/podman}
sock="$dir/podman.sock"
log() { echo "podman-service: $*" >&2; }

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
sock="$dir/podman.sock"

# One starter at a time per folder (parallel test runs would otherwise race to start two
# services on one socket). The lock is released when this script exits.
exec 9>"$dir/start.lock"
flock 9

# 1. Packages (podman, runc; busybox-static gives the 2 MB rootfs of the test image).
missing=""
command -v podman >/dev/null 2>&1 || missing="$missing podman"
command -v runc >/dev/null 2>&1 || missing="$missing runc"
# the init a container started with init=true runs (a recommends of podman: absent when podman came without them)
[ -x /usr/libexec/podman/catatonit ] || missing="$missing catatonit"
[ -x /bin/busybox ] && /bin/busybox --list >/dev/null 2>&1 && ldd /bin/busybox 2>&1 | grep -q 'not a dynamic' || missing="$missing busybox-static"
if [ -n "$missing" ]; then
  log "installing$missing"
  if ! flock /tmp/nox-apt.lock apt-get install -y -q $missing >&2; then
    flock /tmp/nox-apt.lock apt-get update -q >&2
    flock /tmp/nox-apt.lock apt-get install -y -q $missing >&2
  fi
fi

# 2. Config files. default_ulimits = [] because the machine refuses podman's default
# nofile ulimit; runc because crun is not installed here.
cat > "$dir/containers.conf" <<CONF
[containers]
default_ulimits = []

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$dir/tmp"
CONF
cat > "$dir/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$dir/storage"
runroot = "$dir/run"
CONF
export CONTAINERS_CONF="$dir/containers.conf"
export CONTAINERS_STORAGE_CONF="$dir/storage.conf"

ping() { curl -fsS --max-time 2 --unix-socket "$sock" http://d/_ping >/dev/null 2>&1; }

# 3. The service, unless this folder's service already answers.
if ping; then
  log "already running ($sock)"
else
  if [ -f "$dir/service.pid" ] && kill -0 "$(cat "$dir/service.pid")" 2>/dev/null; then
    log "stale service pid $(cat "$dir/service.pid") does not answer; stopping it"
    kill "$(cat "$dir/service.pid")" 2>/dev/null || true
    sleep 1
  fi
  rm -f "$sock"
  # setsid + nohup: the service outlives this script and the shell that called it.
  # 9>&- : the service must not inherit the start lock (it would hold it for its whole life).
  setsid nohup podman system service --time=0 "unix://$sock" >"$dir/service.log" 2>&1 </dev/null 9>&- &
  echo $! > "$dir/service.pid"
  i=0
  until ping; do
    i=$((i + 1))
    if [ "$i" -gt 150 ]; then
      log "the service did not answer on $sock within 30 s; its log:"
      tail -n 30 "$dir/service.log" >&2 || true
      exit 1
    fi
    if ! kill -0 "$(cat "$dir/service.pid")" 2>/dev/null; then
      log "the service exited; its log:"
      tail -n 30 "$dir/service.log" >&2 || true
      exit 1
    fi
    sleep 0.2
  done
  log "started pid $(cat "$dir/service.pid") on $sock"
fi

echo "unix://$sock"

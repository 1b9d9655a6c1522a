#!/bin/sh
# Runs before `npm test` (the pretest script): makes sure the tools some suites drive are
# here, so that `npm test` works on a fresh machine with only Node 20 and redis-server.
#   - the pinned real Claude CLI for test/cli (npm registry; never a dependency of Nox);
#   - Debian's chromium for test/dashboard (apt, when running as root and it is missing);
#   - bubblewrap and socat: every agent the suites start runs in their sandbox
#     (docs/SANDBOX.md), the default.
# Podman's Docker-API service for test/mcp is started (and installed) by .ci/podman/start.sh
# when those tests need it. Each step is idempotent and fast when there is nothing to do.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

sh "$root/test/cli/install-claude.sh" >/dev/null

chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "tests: installing Debian's chromium for the dashboard suite" >&2
    apt-get install -y -q --no-install-recommends chromium >&2 || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends chromium >&2; }
  else
    echo "tests: $chromium is missing; install chromium (apt-get install chromium) or set CHROMIUM_PATH" >&2
  fi
fi

missing=""
command -v bwrap >/dev/null 2>&1 || missing="$missing bubblewrap"
command -v socat >/dev/null 2>&1 || missing="$missing socat"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "tests: installing$missing for the agents' sandbox" >&2
    # shellcheck disable=SC2086 # one word per package
    apt-get install -y -q --no-install-recommends $missing >&2 || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends $missing >&2; }
  else
    echo "tests: missing$missing; install them (apt-get install bubblewrap socat): agents run sandboxed" >&2
  fi
fi

#!/bin/sh
# Installs the pinned real Claude CLI for the conformance suite (test/cli) only.
# It is NOT a dependency of Nox: it goes into a git-ignored folder with --no-save, so
# package.json and package-lock.json stay untouched.
#   test/cli/install-claude.sh            # installs into test/cli/.claude-cli
#   CLAUDE_CLI_DIR=/some/dir test/cli/install-claude.sh
# The package is a thin wrapper; the real program comes from the optional dependency
# @anthropic-ai/claude-code-linux-x64 (~235 MB), so optional deps must stay enabled.
set -eu
VERSION="${CLAUDE_CLI_VERSION:-2.1.330}"
HERE="$(cd "$(dirname "$0")" && pwd)"
DIR="${CLAUDE_CLI_DIR:-$HERE/.claude-cli}"
BIN="$DIR/node_modules/.bin/claude"
if [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -q "^$VERSION"; then
  echo "claude $VERSION already installed in $DIR"
  exit 0
fi
mkdir -p "$DIR"
# A private package.json keeps npm from walking up to the project's own.
[ -f "$DIR/package.json" ] || echo '{"name":"nox-claude-cli-for-tests","private":true}' > "$DIR/package.json"
npm install --no-save --no-audit --no-fund --prefix "$DIR" "@anthropic-ai/claude-code@$VERSION"
"$BIN" --version

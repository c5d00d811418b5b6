#!/usr/bin/env bash
# nanoclaw front door.
#   ./setup.sh [options]   install, build, and set up + run the vault (see ./setup.sh --help)
#   ./setup.sh test        install, build, and run the whole test suite
# Safe to re-run: every step checks what is already there.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
# shellcheck source=scripts/ensure-node.sh
source "$ROOT/scripts/ensure-node.sh"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

install_and_build() {
  step "Checking Node (needs >= 22.13)"
  nanoclaw_ensure_node "$ROOT"
  nanoclaw_use_local_headers
  echo "node $(node --version) at $(command -v node)"
  step "Installing dependencies (npm ci)"
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
  else
    echo "node_modules is up to date"
  fi
  step "Building"
  npm run --silent build
}

case "${1:-}" in
  test)
    shift
    install_and_build
    step "Running the test suite"
    exec npx vitest run "$@"
    ;;
  -h|--help)
    cat <<'USAGE'
Usage: ./setup.sh [ncl setup options]   install, build, then run `ncl setup`
       ./setup.sh test [vitest args]    install, build, then run every test
USAGE
    exit 0
    ;;
esac

install_and_build
step "Setting up nanoclaw"
exec node "$ROOT/dist/src/main.js" setup "$@"

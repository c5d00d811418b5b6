#!/usr/bin/env bash
# nanoclaw front door.
#   ./setup.sh [options]   check Node and Docker, install, build, then run the wizard (ncl setup; see ./setup.sh --help)
#   ./setup.sh test        install, build, and run the whole test suite
# Safe to re-run: every step checks what is already there.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
# shellcheck source=scripts/ensure-node.sh
source "$ROOT/scripts/ensure-node.sh"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

check_node() {
  step "Checking Node (needs >= 22.13)"
  nanoclaw_ensure_node "$ROOT"
  nanoclaw_use_local_headers
  echo "node $(node --version) at $(command -v node)"
}

docker_advice() {
  local kernel
  kernel="$(uname -s)"
  if [ "$kernel" = Darwin ]; then
    echo "  macOS: start Docker Desktop (open -a Docker), or colima (colima start)."
  elif grep -qi microsoft /proc/version 2>/dev/null; then
    echo "  WSL: start Docker Desktop on Windows and turn on Settings > Resources > WSL integration for this distro."
  elif command -v docker >/dev/null 2>&1; then
    echo "  Linux: sudo systemctl start docker   (or: sudo service docker start)"
    echo "  Not root? Add yourself to the docker group: sudo usermod -aG docker \"\$USER\", then log in again."
  else
    echo "  Linux: install it with: sudo apt-get install -y docker.io   (then: sudo systemctl start docker)"
  fi
  echo "  Then check that 'docker info' answers, and run ./setup.sh again."
}

check_docker() {
  step "Checking the Docker engine"
  if ! command -v docker >/dev/null 2>&1; then
    echo "The docker command is not installed." >&2
    docker_advice >&2
    exit 1
  fi
  if ! docker info >/dev/null 2>&1; then
    echo "The Docker engine does not answer (docker info failed)." >&2
    docker_advice >&2
    exit 1
  fi
  echo "Docker engine $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?') answers"
}

install_and_build() {
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
    check_node
    install_and_build
    # vitest strips types without checking them: a test that no longer matches the code it
    # drives must fail here, not pass by accident.
    step "Type-checking the sources and the tests"
    npm run --silent typecheck
    step "Running the test suite"
    exec npx vitest run "$@"
    ;;
  -h|--help)
    cat <<'USAGE'
Usage: ./setup.sh [ncl setup options]   check Node and Docker, install, build, then run `ncl setup` (ncl setup --help lists its flags)
       ./setup.sh test [vitest args]    install, build, then run every test
USAGE
    exit 0
    ;;
esac

check_node
check_docker
install_and_build
step "Setting up nanoclaw"
exec node "$ROOT/dist/cli/ncl.js" setup "$@"

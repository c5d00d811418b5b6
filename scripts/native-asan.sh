#!/usr/bin/env bash
# Runs tests against an AddressSanitizer build of native/tls-transport, for changes to its C++.
#   scripts/native-asan.sh [vitest files…]   (default: the native transport and gateway suites)
# Builds the addon with -fsanitize=address, puts it in dist/native for the run (node preloads
# libasan), and rebuilds the normal addon afterwards whatever happened. Any report is printed
# and fails the run. gateway-memory.test.ts is left out: ASan keeps freed memory in quarantine,
# so RSS grows by design.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

libasan="$(gcc -print-file-name=libasan.so)"
[ -e "$libasan" ] || { echo "error: libasan not found (Debian: apt-get install g++)" >&2; exit 1; }
gyp="$(dirname "$(command -v npm)")/../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
[ -e "$gyp" ] || gyp=/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js
nodedir="$(dirname "$(dirname "$(command -v node)")")"
files=("$@")
if [ "${#files[@]}" -eq 0 ]; then
  mapfile -t files < <(ls test/integration/native-tls*.test.ts test/integration/gateway-*.test.ts | grep -v gateway-memory)
fi
logs="$(mktemp -d)"

restore() {
  npm run --silent build >/dev/null
  rm -rf "$logs"
}
trap restore EXIT

CXXFLAGS="-fsanitize=address -fno-omit-frame-pointer -g" LDFLAGS="-fsanitize=address" \
  node "$gyp" rebuild --directory native/tls-transport --nodedir="$nodedir" >/dev/null
cp native/tls-transport/build/Release/tls_transport.node dist/native/tls_transport.node.asan
mv dist/native/tls_transport.node.asan dist/native/tls_transport.node

status=0
LD_PRELOAD="$libasan" ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:log_path=$logs/asan" \
  VT_INCLUDE="$(IFS=,; echo "${files[*]}")" npx vitest run -c scripts/vitest.asan.config.ts || status=$?
if compgen -G "$logs/asan*" >/dev/null; then
  cat "$logs"/asan*
  echo "error: AddressSanitizer reported the errors above" >&2
  exit 1
fi
exit "$status"

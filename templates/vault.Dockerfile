# The nanoclaw vault: API + gateway + encrypted store in one process.
# Built by `ncl images build` from a context it assembles (dist/cli, package.json, the production
# node_modules without any compiled file, the native addon's sources, an empty rootfs/data). Nothing
# compiled on the host goes in: a host's binaries are for the host's platform, not the image's.
ARG BASE_IMAGE=node:24-bookworm-slim
# Compiles the gateway's native TLS transport for the image's platform: an image with Node 24 and
# its headers, g++, make and python3 (node:24-bookworm has them). Without a toolchain the stage
# only warns and the gateway uses Node's own TLS.
ARG BUILD_IMAGE=node:24-bookworm

FROM ${BUILD_IMAGE} AS native
COPY native/tls-transport /build/native/tls-transport
COPY scripts/build-native.mjs /build/scripts/build-native.mjs
RUN ["node", "/build/scripts/build-native.mjs"]

# No RUN step from here on: the final image needs no network and no shell in the base image,
# only Node 24 at /usr/local/bin/node or on PATH.
FROM ${BASE_IMAGE}

# The app stays root-owned and read-only to the user that runs it.
COPY package.json /app/package.json
COPY dist/cli /app/dist/cli
COPY --from=native /build/dist/native /app/dist/native
COPY node_modules /app/node_modules
# rootfs/data is the data volume's mount point: an empty volume takes its owner and mode
# (0770; copied as an entry of rootfs/ so the mode survives, a copied directory's own would not).
COPY --chown=1000:1000 rootfs/ /

ENV NODE_ENV=production \
    HOME=/tmp \
    NANOCLAW_VAULT_DIR=/data
# Only when run by hand without NANOCLAW_API_KEY_SHA256: the vault then writes the API key
# it creates to ./.env, which has to be writable.
WORKDIR /data
USER 1000:1000

# 10254: API (publish on 127.0.0.1 only); 10255: gateway (agent networks only, never published).
EXPOSE 10254 10255
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:10254/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# --max-semi-space-size=2: see src/vault/gateway/node-flags.ts (streamed bodies stay small in RSS).
CMD ["node", "--max-semi-space-size=2", "/app/dist/cli/ncl.js", "vault", "serve", \
     "--api-listen", "0.0.0.0:10254", "--gateway-listen", "0.0.0.0:10255"]

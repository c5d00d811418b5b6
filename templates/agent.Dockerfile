# A default nanoclaw agent image: Node, git, curl, Claude Code, and AGENTS.md telling the agent
# how credentials work here. Any image can be an agent image; this one is a starting point.
ARG BASE_IMAGE=node:24-bookworm-slim
FROM ${BASE_IMAGE}

# Tools the agent expects. Installed only where the base lacks them and has apt-get, and a
# failed install (no network) leaves the image without them rather than failing the build:
# `--build-arg AGENT_PACKAGES=` skips this step entirely.
ARG AGENT_PACKAGES="git curl ca-certificates"
USER root
RUN set -u; \
    if [ -n "$AGENT_PACKAGES" ] && command -v apt-get >/dev/null 2>&1; then \
      missing=""; \
      for p in $AGENT_PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done; \
      if [ -n "$missing" ]; then \
        { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing \
          && rm -rf /var/lib/apt/lists/*; } \
        || echo "warning: could not install$missing; the image is built without them"; \
      fi; \
    else \
      echo "note: using the base image's own tools (no apt-get or AGENT_PACKAGES empty)"; \
    fi

# Claude Code's native binary, pinned, packed from the npm registry on the host by
# `ncl images build` (the build itself needs no network); empty with --without-claude-code.
COPY claude-code/ /opt/claude-code/

COPY AGENTS.md /opt/nanoclaw/AGENTS.md
COPY --chown=1000:1000 AGENTS.md /home/node/AGENTS.md

# The image cannot update Claude Code in place (no registry inside, and a new version belongs in
# a new image): rebuild the image instead.
ENV HOME=/home/node \
    PATH=/opt/claude-code:$PATH \
    DISABLE_AUTOUPDATER=1 \
    NANOCLAW_AGENT_INSTRUCTIONS=/opt/nanoclaw/AGENTS.md
WORKDIR /home/node
USER node

CMD ["sleep", "infinity"]

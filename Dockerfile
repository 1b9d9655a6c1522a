# Nox image: the API, worker hosts and the registry writer run from it with different
# commands (see docker-compose.yml). Worker hosts run the pinned Claude Code CLI.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY . .
# prepare = build: server TypeScript to dist/, dashboard to dashboard/dist
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ARG CLAUDE_CODE_VERSION=2.1.330
# bubblewrap + socat: every agent runs in a sandbox (docs/SANDBOX.md)
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates tini bubblewrap socat \
  && rm -rf /var/lib/apt/lists/* \
  && npm install -g @anthropic-ai/claude-code@${CLAUDE_CODE_VERSION} \
  && mkdir -p /data/registry && chown node:node /data/registry
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/dashboard/dist ./dashboard/dist
ENV NODE_ENV=production NOX_REGISTRY_DIR=/data/registry
USER node
EXPOSE 3000
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "bin/nox.js", "api"]

# The collector (`marketpipe run`) on Node 24, configured by environment variables
# (.env.example): REDIS_URL, PROVIDERS and their keys; history goes to the /app/data volume
# unless DATABASE_URL says libsql://….
#   docker build -t marketpipe-collector .
#   docker run --env-file .env -e REDIS_URL=redis://redis:6379 -v marketpipe-data:/app/data marketpipe-collector

FROM node:24-bookworm-slim AS deps
WORKDIR /app
# npm ci checks the lockfile against every workspace's package.json, so all of them come in.
COPY package.json package-lock.json ./
COPY packages/core/package.json packages/core/
COPY packages/testkit/package.json packages/testkit/
COPY apps/collector/package.json apps/collector/
COPY apps/api/package.json apps/api/
COPY apps/bridge/package.json apps/bridge/
# The collector's and core's runtime dependencies only. tsx among them runs the TypeScript
# sources (no build step); no install script is needed (libsql and esbuild ship prebuilt binaries).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund -w @marketpipe/collector -w @marketpipe/core

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# node_modules with the workspace links, and the package.json files they point through
COPY --from=deps /app ./
COPY packages/core/src packages/core/src
COPY apps/collector/bin apps/collector/bin
COPY apps/collector/src apps/collector/src
COPY drizzle drizzle
# History lives in ./data (DATABASE_URL's default); the image runs as the unprivileged `node` user.
RUN mkdir -p data && chown node:node data
VOLUME ["/app/data"]
USER node
# /metrics, /health, /ready listen on 127.0.0.1 inside the container: the health check reaches
# them, a scraper outside does not (the collector has no bind-address setting yet). Not ready:
# no cycle yet (the first start backfills 24 h), Redis unreachable, or history failing.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.COLLECTOR_PORT || 9464) + '/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) stops it gracefully within SHUTDOWN_TIMEOUT_MS (4.5 s), inside Docker's 10 s.
CMD ["node", "--no-memory-reducer", "apps/collector/bin/marketpipe.js", "run"]

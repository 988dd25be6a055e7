# Production image: production dependencies only, run as the unprivileged node user, data on a volume.
# There is no build step: the server runs its TypeScript through tsx, a runtime dependency.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# lmdb's prebuilt glibc binary comes with its npm package, so no compiler is needed here
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=8080 DATA_DIR=/data TERMINOLOGY_DIR=/data/terminology
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY profiles ./profiles
COPY conformance ./conformance
# the code stays root-owned (read-only to the server); only /data is the node user's
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# five failed checks in a row (75 s) before unhealthy also covers the start-up (no --start-period:
# dockerfilelint 1.8 misreads that option)
HEALTHCHECK --interval=15s --timeout=5s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((res) => process.exit(res.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--import", "tsx", "src/main.ts"]

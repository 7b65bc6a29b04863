# syntax=docker/dockerfile:1
# Inquest as one image: the express server (server.ts, run by tsx) serving the Remix build.
#
#   docker build -t inquest .
#   docker run -p 3000:3000 -v inquest-data:/data \
#     -e SESSION_SECRET="$(openssl rand -base64 48)" -e APP_URL=https://inquest.example.com inquest
#
# Production requires SESSION_SECRET and APP_URL and never seeds the demo workspace; create the first
# admin with the CLI:  docker exec -it <container> npm run inquest -- user:create ...
# See .env.example for every setting.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV NPM_CONFIG_AUDIT=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_UPDATE_NOTIFIER=false

# Every dependency, for the build.
FROM base AS deps
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci

# Only what runs in production. tsx is a production dependency: it runs server.ts and the CLI.
FROM base AS production-deps
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev

FROM base AS build
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN npm run build

FROM base AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates git tini \
    && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    PORT=3000 \
    DATABASE_URL=file:/data/inquest.db \
    GIT_IMPORT_ROOT=/data/git

# The code stays owned by root and read-only to the app; only /data is writable.
COPY --from=production-deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json server.ts ./
# server.ts and the CLI import app/*.server.ts and db/* (schema, migrations, seed) through tsx at run time.
COPY app ./app
COPY db ./db
COPY cli ./cli
COPY --from=build /app/build ./build
COPY --from=build /app/public ./public

RUN mkdir -p /data/git && chown -R node:node /data
VOLUME /data

USER node
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1)).catch(() => process.exit(1))"]

# tini as PID 1 forwards SIGTERM (the server drains in-flight requests) and reaps children (git).
ENTRYPOINT ["tini", "--"]
# tsx loaded in-process: one node process, so SIGTERM reaches the server directly. Same as `npm start`.
CMD ["node", "--import", "tsx", "server.ts"]

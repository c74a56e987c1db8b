# One image for the API, the Temporal worker and the migration runner; docker-compose.yml picks the command.
FROM node:24-bookworm-slim

# Prisma detects the platform's OpenSSL when it installs its engines; the slim image has none.
# Debian's Chromium drives the browser-automation platforms (CHROMIUM_PATH defaults to /usr/bin/chromium).
RUN apt-get update \
    && apt-get install -y --no-install-recommends openssl ca-certificates chromium \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Manifests and the Prisma schema first: npm ci's postinstall runs `prisma generate`, which needs them,
# and this layer stays cached until dependencies or the schema change.
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
# All dependencies, dev ones included: tsx runs the TypeScript sources and the migration runner uses
# Prisma's WebAssembly schema engine, both devDependencies.
RUN npm ci && npm cache clean --force

COPY . .

# .data is CASTSYNC_DATA_DIR's default; it must be writable for the unprivileged user.
RUN mkdir -p .data && chown node:node .data
USER node

# Listen on every interface: inside a container 127.0.0.1 is unreachable from the other services.
ENV API_HOST=0.0.0.0 \
    API_PORT=3000
EXPOSE 3000

# tsx directly rather than `npm run`, so SIGTERM reaches the process and it drains gracefully.
CMD ["node_modules/.bin/tsx", "api/main.ts"]

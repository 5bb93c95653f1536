# syntax=docker/dockerfile:1
# Kipam API image. It expects DATABASE_URL (see docker-compose.yml): the
# embedded PostgreSQL used by `npm start` is not part of the image.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV CI=true
# The lockfile first, so the dependency layer caches.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build
# Runtime dependencies only. The migrator loads Prisma's WebAssembly schema
# engine at start-up, and @prisma/schema-engine-wasm is a devDependency, so it
# is carried across the prune. --omit=optional drops the embedded PostgreSQL
# binaries.
RUN cp -a node_modules/@prisma/schema-engine-wasm /tmp/schema-engine-wasm \
 && npm prune --omit=dev --omit=optional --no-audit --no-fund \
 && rm -rf node_modules/@prisma/schema-engine-wasm \
 && mv /tmp/schema-engine-wasm node_modules/@prisma/schema-engine-wasm \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# the web console (/ui), built by npm run build into apps/console/dist
COPY --from=build /app/apps/console/dist ./apps/console/dist
# schema.prisma and migrations/: applied at start-up
COPY --from=build /app/prisma ./prisma
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "require('http').get({host:'127.0.0.1',port:process.env.PORT||3000,path:'/readyz',timeout:4000},(r)=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"]
CMD ["node", "dist/apps/api/src/main.js"]

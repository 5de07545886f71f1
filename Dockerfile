# syntax=docker/dockerfile:1
# retouch in a container: `docker build -t retouch .` then
#   docker run -p 8080:8080 -v retouch-data:/var/lib/retouch retouch
# The image installs the package the way users do (npm pack → npm install of the tarball), so
# it runs exactly what test/install/pack-install.test.ts checks. docs/deployment.md, "Container".

# Build: compile TypeScript, pack, and install the tarball with production dependencies only.
# better-sqlite3 compiles here (python3, make, g++), so the runtime image needs no toolchain.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
# The workspace package (the SDK) must be there for npm ci to link it.
COPY packages/sdk/package.json packages/sdk/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm rebuild --no-audit --no-fund && npm pack --pack-destination /tmp
WORKDIR /opt/retouch
RUN echo '{"name":"retouch-image","private":true}' > package.json \
 && npm install --omit=dev --no-audit --no-fund /tmp/retouch-*.tgz \
 && npm cache clean --force

# Runtime: the same base (glibc, for the native addons built above), a dedicated user, no
# compilers, the data dir as a volume.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    RETOUCH_HOST=0.0.0.0 \
    RETOUCH_PORT=8080 \
    RETOUCH_DATA_DIR=/var/lib/retouch \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
RUN groupadd --system retouch \
 && useradd --system --gid retouch --home-dir /var/lib/retouch --shell /usr/sbin/nologin retouch \
 && install -d -o retouch -g retouch -m 0750 /var/lib/retouch
COPY --from=build /opt/retouch /opt/retouch
USER retouch
WORKDIR /var/lib/retouch
VOLUME ["/var/lib/retouch"]
EXPOSE 8080
# A worker node (`serve --role worker`) has no HTTP port: run it with --no-healthcheck.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.RETOUCH_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/opt/retouch/node_modules/retouch/bin/retouch.js"]
CMD ["serve"]

# rlog-agent as a container: the NativeAOT binary on a minimal, shell-less base, running as a
# non-root user. Build from the repo root:  docker build -t rlog-agent .
# docs/operations.md shows how to run it.

# Debian 11's glibc 2.31 and C run-time files, to link against (deploy/sysroot.sh): the binary then
# runs on glibc 2.29 and later, in this image and in older application images it is copied into.
FROM debian:bullseye-slim AS sysroot
RUN apt-get update \
    && apt-get install -y --no-install-recommends libc6-dev libgcc-10-dev \
    && rm -rf /var/lib/apt/lists/*

# Build stage: the SDK plus what NativeAOT links with (clang, zlib headers).
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends clang lld zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
COPY --from=sysroot / /sysroot/
COPY deploy/sysroot.sh /usr/local/bin/rlog-sysroot
RUN sh /usr/local/bin/rlog-sysroot --links-only /sysroot
WORKDIR /src
# Only what the agent needs, project files first so the restore layer is reused across code edits.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY Protos/Rlog.Protocol.csproj Protos/
COPY RlogAgent/RlogAgent.csproj RlogAgent/
RUN dotnet restore RlogAgent/RlogAgent.csproj -r linux-x64 -p:PublishAot=true
COPY Protos/ Protos/
COPY RlogAgent/ RlogAgent/
RUN dotnet publish RlogAgent/RlogAgent.csproj -c Release -r linux-x64 -p:PublishAot=true -p:SysRoot=/sysroot --no-restore -o /out \
    && mkdir -p /volumes/config /volumes/state

# Runtime stage: glibc, OpenSSL and CA certificates only; no shell, no package manager.
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled
# The base image's non-root "app" user.
ARG APP_UID=1654
COPY --from=build /out/rlog-agent /usr/local/bin/rlog-agent
# The companion entrypoint (docs/operations.md): copied from this image into an application's.
COPY --chmod=0755 deploy/container/entrypoint.sh /usr/local/bin/rlog-entrypoint
COPY --from=build --chown=${APP_UID}:${APP_UID} /volumes/config /config
COPY --from=build --chown=${APP_UID}:${APP_UID} /volumes/state /state
USER ${APP_UID}:${APP_UID}
# The agent resolves config/agent.yaml and state_dir "state" against its working directory,
# so from / they are the two volumes: /config/agent.yaml and /state.
WORKDIR /
VOLUME ["/config", "/state"]
# Exec form: the agent is PID 1 and gets SIGTERM itself (ordered drain, then exit 0 or 4).
# Give it more than shutdown_timeout to stop: docker stop -t 30, terminationGracePeriodSeconds.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/rlog-agent"]

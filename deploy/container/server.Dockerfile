# rlog-server as a container: the framework-dependent server on the ASP.NET Core runtime,
# running as a non-root user. Build from the repo root:
#   docker build -f deploy/container/server.Dockerfile -t rlog-server .
# deploy/kubernetes/server.yaml runs it; docs/server.md describes its flags.

# Build stage: the SDK, and npm for the console's front-end libraries (pinned by
# RlogServer/WebConsole/package-lock.json, built into the server).
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY Protos/Rlog.Protocol.csproj Protos/
COPY RlogServer/RlogServer.csproj RlogServer/
RUN dotnet restore RlogServer/RlogServer.csproj
COPY Protos/ Protos/
COPY RlogServer/ RlogServer/
RUN rm -rf RlogServer/WebConsole/node_modules \
    && dotnet publish RlogServer/RlogServer.csproj -c Release --no-restore -o /out

# Runtime stage: the ASP.NET Core runtime, no shell, no package manager.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled
COPY --from=build /out /app
USER 10001:10001
WORKDIR /app
# gRPC (agents), the console, Prometheus metrics.
EXPOSE 50051 8080 9465
# Exec form: the server gets SIGTERM itself (calls in progress end after the batch being stored).
STOPSIGNAL SIGTERM
ENTRYPOINT ["dotnet", "/app/rlog-server.dll"]

#!/bin/sh
# Builds the rlog-agent container image from scratch with buildah: the NativeAOT binary, the
# libraries it loads (found with ldd, plus the OpenSSL it opens at run time for TLS), CA
# certificates, /etc/passwd with the non-root user 1654, /tmp, and the /config and /state volumes.
# No shell, no package manager. Running it needs a container engine; building it does not.
#
#   dotnet pwsh ./build.ps1 publish            # artifacts/publish/linux-x64/rlog-agent
#   deploy/container/build-image.sh [IMAGE]    # default rlog-agent:latest
#
# Environment: RLOG_AGENT_BINARY (default the published binary), RLOG_IMAGE_ARCHIVE (also write
# the image there as an OCI archive, to load on a machine with an engine), STORAGE_DRIVER (buildah's;
# vfs where overlay mounts are not allowed). Prints the image's size and every file in it.
set -eu

say() { printf 'build-image: %s\n' "$*" >&2; }
fail() { say "$*"; exit 1; }

root=$(cd "$(dirname "$0")/../.." && pwd)
image=${1:-rlog-agent:latest}
binary=${RLOG_AGENT_BINARY:-$root/artifacts/publish/linux-x64/rlog-agent}
app_uid=1654
certificates=/etc/ssl/certs/ca-certificates.crt

[ -x "$binary" ] || fail "no agent binary at $binary: run 'dotnet pwsh ./build.ps1 publish' first"
command -v buildah >/dev/null || fail "buildah is not installed (Debian: apt-get install buildah)"
[ -f "$certificates" ] || fail "no $certificates on this machine (Debian: apt-get install ca-certificates)"

rootfs=$(mktemp -d)
container=
cleanup() {
    [ -z "$container" ] || buildah rm "$container" >/dev/null 2>&1 || :
    rm -rf "$rootfs" "$rootfs.tar"
}
trap cleanup EXIT

# Copies a file to the same path under the root file system, following links (one real file each).
add() {
    mkdir -p "$rootfs$(dirname "$1")"
    cp -L "$1" "$rootfs$1"
}

# The shared libraries a program or library needs, as absolute paths (the loader included).
needs() {
    ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
}

# The run-time side of OpenSSL: .NET opens libssl by name the first time TLS is used (an https
# server_addr); ldd cannot see it.
openssl=$(ldconfig -p | awk '$1 == "libssl.so.3" && $NF ~ /^\// { print $NF; exit }')
[ -n "$openssl" ] || fail "libssl.so.3 not found (Debian: apt-get install libssl3)"

mkdir -p "$rootfs/usr/local/bin" "$rootfs/etc"
cp "$binary" "$rootfs/usr/local/bin/rlog-agent"
# For application images that run the agent beside them (COPY --from=this image); it needs their shell.
cp "$root/deploy/container/entrypoint.sh" "$rootfs/usr/local/bin/rlog-entrypoint"
chmod 0755 "$rootfs/usr/local/bin/rlog-agent" "$rootfs/usr/local/bin/rlog-entrypoint"

libraries=$( (needs "$binary"; echo "$openssl"; needs "$openssl") | sort -u)
for library in $libraries; do
    add "$library"
done
# Without ld.so.cache the loader searches only its built-in folders: give it a cache of ours.
for library in $libraries; do dirname "$library"; done | sort -u > "$rootfs/etc/ld.so.conf"
ldconfig -r "$rootfs"

# CA certificates where OpenSSL looks on Debian and Ubuntu (its default file and folder).
add "$certificates"
mkdir -p "$rootfs/usr/lib/ssl"
ln -s /etc/ssl/certs/ca-certificates.crt "$rootfs/usr/lib/ssl/cert.pem"
ln -s /etc/ssl/certs "$rootfs/usr/lib/ssl/certs"

printf 'root:x:0:0:root:/root:/sbin/nologin\nrlog:x:%s:%s:rlog-agent:/state:/sbin/nologin\n' "$app_uid" "$app_uid" > "$rootfs/etc/passwd"
printf 'root:x:0:\nrlog:x:%s:\n' "$app_uid" > "$rootfs/etc/group"
mkdir -p "$rootfs/tmp" "$rootfs/config" "$rootfs/state"
chmod 1777 "$rootfs/tmp"
chown "$app_uid:$app_uid" "$rootfs/config" "$rootfs/state"

# The root file system must start the agent before it becomes an image: run it there (as root only).
if [ "$(id -u)" = 0 ] && command -v chroot >/dev/null; then
    version=$(chroot "$rootfs" /usr/local/bin/rlog-agent --version) || fail "the agent does not start in the image's file system"
    say "rlog-agent $version starts in the image's file system"
fi

container=$(buildah from scratch)
# As an archive: buildah extracts it with its owners and modes (a plain copy would make every
# file root's, /state included).
tar -C "$rootfs" --numeric-owner -cf "$rootfs.tar" .
buildah add "$container" "$rootfs.tar" / >/dev/null
# As the Dockerfile: the working directory is /, so config/agent.yaml is /config/agent.yaml and
# the default state_dir is /state; the agent is PID 1 in exec form and gets SIGTERM itself.
buildah config \
    --entrypoint '["/usr/local/bin/rlog-agent"]' \
    --cmd '' \
    --workingdir / \
    --user "$app_uid:$app_uid" \
    --volume /config \
    --volume /state \
    --stop-signal SIGTERM \
    --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    --env SSL_CERT_DIR=/etc/ssl/certs \
    --label org.opencontainers.image.title=rlog-agent \
    --label org.opencontainers.image.description="rlog-agent: tails log files and ships them to an rlog server over gRPC" \
    "$container"
buildah commit --quiet --squash "$container" "$image" >/dev/null
buildah rm "$container" >/dev/null
container=

say "image $image, contents:"
(cd "$rootfs" && find . -mindepth 1 \( -type l -printf '%M %5U:%-5G %10s  /%P -> %l\n' \) -o -printf '%M %5U:%-5G %10s  /%P\n' | sort -k4)
say "files: $(du -sb "$rootfs" | cut -f1) bytes ($(du -sh "$rootfs" | cut -f1))"
say "image size: $(buildah images --format '{{.Size}}' "$image" | head -n1)"
if [ -n "${RLOG_IMAGE_ARCHIVE:-}" ]; then
    buildah push --quiet "$image" "oci-archive:$RLOG_IMAGE_ARCHIVE:$image" >/dev/null
    say "OCI archive: $RLOG_IMAGE_ARCHIVE ($(du -h "$RLOG_IMAGE_ARCHIVE" | cut -f1)); load it with: podman load -i $RLOG_IMAGE_ARCHIVE  or  skopeo copy oci-archive:$RLOG_IMAGE_ARCHIVE docker-daemon:$image"
fi

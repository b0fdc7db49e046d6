#!/bin/sh
# Prepares a Debian 11 (bullseye, glibc 2.31) file system for NativeAOT to link the agent against,
# so the binary runs on that glibc and every later one, whatever the build machine's glibc is:
#
#   deploy/sysroot.sh DIR                # debootstrap bullseye into DIR (once), then fix its links
#   deploy/sysroot.sh --links-only DIR   # only fix the links (DIR came from a debian:bullseye image)
#   dotnet publish ... -p:PublishAot=true -p:SysRoot=DIR
#
# The linker resolves the absolute symbolic links Debian ships (libm.so -> /lib/x86_64-linux-gnu/...,
# /lib64/ld-linux-x86-64.so.2) against the build machine's root, not DIR's: they are made relative.
# Needs debootstrap and root (debootstrap chroots); build.ps1 publish calls it.
set -eu

say() { printf 'sysroot: %s\n' "$*" >&2; }

links_only=
if [ "${1:-}" = --links-only ]; then links_only=1; shift; fi
dir=${1:?usage: deploy/sysroot.sh [--links-only] DIR}
suite=bullseye
mirror=${RLOG_DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ -z "$links_only" ] && [ ! -f "$dir/.rlog-sysroot" ]; then
    command -v debootstrap >/dev/null || { say "debootstrap is not installed (Debian: apt-get install debootstrap)"; exit 1; }
    rm -rf "$dir"
    mkdir -p "$dir"
    say "debootstrap $suite (libc6-dev, libgcc-10-dev) into $dir"
    debootstrap --variant=minbase --include=libc6-dev,libgcc-10-dev "$suite" "$dir" "$mirror" >"$dir.log" 2>&1 \
        || { say "debootstrap failed; its log: $dir.log"; tail -n 5 "$dir.log" >&2; exit 1; }
    rm -f "$dir.log"
fi

# A debian:bullseye image keeps /lib and /lib64 apart from /usr; debootstrap links them to /usr.
for folder in lib lib64 usr/lib usr/lib64; do
    [ -d "$dir/$folder" ] && [ ! -L "$dir/$folder" ] && echo "$dir/$folder"
done | xargs -r -I{} find {} -type l -lname '/*' | while read -r link; do
    target=$(readlink "$link")
    ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$dir$target")" "$link"
done
[ -n "$links_only" ] || touch "$dir/.rlog-sysroot"
say "$dir: glibc $(ls "$dir"/usr/lib/x86_64-linux-gnu/libc-*.so | sed 's/.*libc-\(.*\)\.so/\1/')"

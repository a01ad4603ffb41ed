# The cached part of the build: Debian's minimal base system with the image's packages, no Hearth
# yet. The cache key is a hash of packages.txt, this file, the suite and the mirror.
# shellcheck shell=bash

# build_base DIR TAR: debootstraps into DIR, installs packages.txt, cleans up, tars DIR into TAR.
build_base() {
  local dir=$1 tar=$2
  rm -rf "$dir"
  echo "  debootstrap first stage (download and unpack, on the host)"
  debootstrap --foreign --arch=arm64 --variant=minbase --components=main,non-free-firmware \
    "$SUITE" "$dir" "$MIRROR" >"$WORK/debootstrap-1.log" 2>&1 ||
    die "debootstrap first stage failed: see $(tail -3 "$WORK/debootstrap-1.log")"
  echo "  debootstrap second stage (configure, arm64 under qemu-user; several minutes)"
  # container=lxc: debootstrap then trusts the device nodes the first stage made (a user
  # namespace may not mknod).
  arm64_run "$dir" /usr/bin/env container=lxc /debootstrap/debootstrap --second-stage >"$WORK/debootstrap-2.log" 2>&1 ||
    die "debootstrap second stage failed: $(tail -5 "$WORK/debootstrap-2.log")"

  # Before any package is installed: no services started, no docs, no recommends.
  printf '#!/bin/sh\n# Image build: never start services in the chroot.\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
  chmod 755 "$dir/usr/sbin/policy-rc.d"
  cat >"$dir/etc/dpkg/dpkg.cfg.d/01-hearth-nodoc" <<'CFG'
# Hearth image: no documentation, manuals or translations (licences stay).
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-exclude=/usr/share/lintian/*
CFG
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$dir/etc/apt/apt.conf.d/01-hearth"
  # Security and stable updates too: the image is built with every fix published that day.
  cat >"$dir/etc/apt/sources.list" <<SRC
deb $MIRROR $SUITE main non-free-firmware
deb $MIRROR $SUITE-updates main non-free-firmware
deb ${MIRROR%/debian}/debian-security $SUITE-security main non-free-firmware
SRC
  # gzip: what the Pi's firmware-loaded kernel unpacks without extra tools.
  mkdir -p "$dir/etc/initramfs-tools/conf.d"
  printf 'COMPRESS=gzip\nMODULES=most\n' >"$dir/etc/initramfs-tools/conf.d/hearth"
  cp /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || echo "nameserver 1.1.1.1" >"$dir/etc/resolv.conf"

  local pkgs
  pkgs=$(grep -v '^\s*#' "$IMG_DIR/packages.txt" | tr '\n' ' ')
  echo "  apt-get install $pkgs"
  arm64_run "$dir" /bin/sh -c "apt-get update -qq && apt-get -y -q upgrade && apt-get install -y -q $pkgs" >"$WORK/apt.log" 2>&1 ||
    die "apt-get install failed: $(tail -5 "$WORK/apt.log")"
  arm64_run "$dir" /bin/sh -c 'apt-get clean' >/dev/null
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/debconf/*-old "$dir"/var/log/* \
    "$dir"/usr/share/doc/*/[!c]* "$dir"/usr/share/man/* "$dir"/usr/share/locale/* "$dir"/usr/share/info/* "$dir/debootstrap"
  find "$dir/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
  rm -f "$dir/etc/resolv.conf"
  tar --numeric-owner --xattrs --xattrs-include='*' -cf "$tar" -C "$dir" .
  echo "  base system $(du -sh "$dir" | cut -f1)"
}

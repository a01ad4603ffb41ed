# The cached part of the build: Debian's minimal base system with the image's packages, no Hearth
# yet. The cache key is a hash of packages.txt, this file, the suite and the mirror.
# shellcheck shell=bash

# build_base DIR TAR: debootstraps into DIR, installs packages.txt, cleans up, tars DIR into TAR.
build_base() {
  base_debootstrap "$1"
  base_packages "$1" "$2"
}

base_debootstrap() {
  local dir=$1
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
}

# base_packages DIR TAR: the image's packages on top of a debootstrapped DIR, then the tarball.
base_packages() {
  local dir=$1 tar=$2

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
  # The initramfs carries the modules listed in /etc/initramfs-tools/modules only (written after
  # the kernel is installed, see initramfs_modules): MODULES=most means thousands of modules, each
  # probed under emulation — hours. gzip: what the kernel unpacks without extra tools.
  mkdir -p "$dir/etc/initramfs-tools/conf.d"
  printf 'COMPRESS=gzip\nMODULES=list\n' >"$dir/etc/initramfs-tools/conf.d/hearth"
  rm -f "$dir/etc/resolv.conf" # resolved makes it a link into /run; the chroot needs the host's
  cp -L /etc/resolv.conf "$dir/etc/resolv.conf"

  local pkgs
  pkgs=$(grep -v '^\s*#' "$IMG_DIR/packages.txt" | tr '\n' ' ')
  echo "  apt-get install $pkgs"
  arm64_run "$dir" /bin/sh -c "dpkg --configure -a && apt-get update -qq && apt-get -y -q upgrade && apt-get install -y -q $pkgs" >"$WORK/apt.log" 2>&1 ||
    die "apt-get install failed: $(tail -5 "$WORK/apt.log")"
  # One kernel only: the one linux-image-arm64 depends on now (an upgrade leaves the old one).
  arm64_run "$dir" /bin/sh -c 'cur=$(dpkg-query -W -f="\${Depends}" linux-image-arm64 | cut -d" " -f1)
    for p in $(dpkg-query -W -f="\${Package}\n" "linux-image-[0-9]*"); do [ "$p" = "$cur" ] || apt-get -y -q purge "$p"; done' >>"$WORK/apt.log" 2>&1 ||
    die "removing old kernels failed: $(tail -5 "$WORK/apt.log")"
  initramfs_modules "$dir"
  echo "  initramfs with $(grep -vc '^#' "$dir/etc/initramfs-tools/modules") modules for the Pi 3B+/4"
  arm64_run "$dir" /bin/sh -c 'update-initramfs -u -k all && apt-get clean' >>"$WORK/apt.log" 2>&1 ||
    die "update-initramfs failed: $(tail -5 "$WORK/apt.log")"
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/debconf/*-old "$dir"/var/log/* \
    "$dir"/usr/share/doc/*/[!c]* "$dir"/usr/share/man/* "$dir"/usr/share/locale/* "$dir"/usr/share/info/* "$dir/debootstrap"
  find "$dir/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
  rm -f "$dir/etc/resolv.conf"
  tar --numeric-owner --xattrs --xattrs-include='*' -cf "$tar" -C "$dir" .
  echo "  base system $(du -sh "$dir" | cut -f1)"
}

# initramfs_modules ROOT: the modules the initramfs needs to mount root A from the SD card on a
# Pi 3B+ or 4 — the drivers (modules.alias "of:" entries) for every device in the two boards'
# device trees, less graphics, sound, Bluetooth and SPI — plus ext4.
initramfs_modules() {
  local root=$1 kdir
  kdir=$(ls -d "$root"/lib/modules/*-arm64 | sort -V | tail -1)
  local dtbs=("$root"/usr/lib/linux-image-"$(basename "$kdir")"/broadcom/{bcm2711-rpi-4-b,bcm2837-rpi-3-b-plus}.dtb)
  local compat mods
  [ -s "$kdir/modules.alias" ] || die "no $kdir/modules.alias (depmod has not run)"
  compat=$(strings -n 5 "${dtbs[@]}" | grep -E '^[a-z0-9-]+,[a-z0-9,._+-]+$' | sort -u)
  [ -n "$compat" ] || die "no compatible strings in ${dtbs[*]}"
  mods=$(for c in $compat; do
    grep -F "C$c" "$kdir/modules.alias" | grep -E "C${c//./\\.}(C|\*| |$)" | awk '{print $3}' || true
  done | sort -u | grep -Ev '^(v3d|vc4|snd_.*|hci_uart|vchiq|spi_.*|pwm_.*)$' || true)
  echo "$mods" | grep -qx sdhci_iproc || die "no SD card driver (sdhci_iproc) among the board modules: $mods"
  {
    echo "# Hearth image: drivers for the Raspberry Pi 3B+/4 device trees (image/lib/base.sh), and ext4."
    echo "$mods"
    printf 'ext4\ncrc32c_generic\n'
    echo "# Virtual disk and network for the boot test under qemu-system-aarch64 -M virt (test/image/):"
    echo "# a few small drivers that probe nothing on a Pi (it has no virtio devices)."
    virtio_modules "$kdir"
  } >"$root/etc/initramfs-tools/modules"
}

# virtio_modules KDIR: those of the virtio drivers the boot test needs that this kernel builds as
# modules (what is built in needs no listing; initramfs-tools adds virtio, virtio_ring and the
# other dependencies itself).
virtio_modules() {
  local kdir=$1 m
  for m in virtio_mmio virtio_pci virtio_blk virtio_net; do
    if find "$kdir/kernel" -name "$m.ko*" | grep -q .; then
      echo "$m"
    elif ! grep -q "/$m.ko" "$kdir/modules.builtin"; then
      die "the kernel has no $m, neither built in nor as a module"
    fi
  done
}

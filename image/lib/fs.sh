# Partitions as files, then the image: no loop device and no mount (mkfs.ext4 -d, mkfs.vfat +
# mtools, sfdisk on the image file, dd conv=notrunc).
# shellcheck shell=bash

BOOT_MB=256  # FAT32: firmware, kernel, initramfs, device trees, config.txt, cmdline.txt
DATA_MB=64   # grown to the card by hearth-boot.service at first boot
ALIGN_MB=4   # first partition at 4 MiB; all partitions MiB-aligned

# stage_boot ROOT BOOT: the boot partition's files. Sets DISK_ID (the MBR disk identifier that
# PARTUUIDs are made of); nothing per card and nothing secret goes here.
stage_boot() {
  local root=$1 boot=$2
  DISK_ID=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
  mkdir -p "$boot"
  local kver
  kver=$(basename "$(ls -d "$root"/lib/modules/*-arm64 | sort -V | tail -1)")
  [ -f "$root/boot/vmlinuz-$kver" ] || die "no kernel /boot/vmlinuz-$kver in the root"
  [ -f "$root/boot/initrd.img-$kver" ] || die "no initramfs /boot/initrd.img-$kver in the root"
  cp "$root"/usr/lib/raspi-firmware/* "$boot/"
  cp "$root/boot/vmlinuz-$kver" "$boot/vmlinuz"
  cp "$root/boot/initrd.img-$kver" "$boot/initrd.img"
  cp "$root/usr/lib/linux-image-$kver/broadcom/"bcm2711-rpi-*.dtb "$root/usr/lib/linux-image-$kver/broadcom/"bcm2837-rpi-*.dtb "$boot/"
  ls "$boot"/bcm2711-rpi-4-b.dtb "$boot"/bcm2837-rpi-3-b-plus.dtb >/dev/null || die "device trees for Pi 4 / 3B+ missing"
  cat >"$boot/config.txt" <<CFG
# Hearth image for Raspberry Pi 3B+ and 4 (arm64), written by image/build.sh.
# This partition holds nothing secret and nothing per card (EN 303 645 5.4-1).
arm_64bit=1
kernel=vmlinuz
initramfs initrd.img followkernel
# No UART and no serial console: nothing to log in to over the GPIO pins (EN 303 645 5.6-4).
enable_uart=0
# Headless hub: the least memory for the GPU, no splash.
gpu_mem=16
disable_splash=1
disable_overscan=1

[pi3]
device_tree=bcm2837-rpi-3-b-plus.dtb
[pi4]
device_tree=bcm2711-rpi-4-b.dtb
[all]
CFG
  # Root A by PARTUUID, mounted read-only; the console on HDMI only (no getty there either).
  printf 'console=tty0 root=PARTUUID=%s-02 rootfstype=ext4 ro rootwait fsck.repair=yes net.ifnames=0\n' "$DISK_ID" >"$boot/cmdline.txt"
  # The kernel and its initramfs are used from the boot partition; the root needn't carry them.
  rm -f "$root/boot/vmlinuz-$kver" "$root/boot/initrd.img-$kver" "$root/boot/System.map-$kver" \
    "$root"/vmlinuz* "$root"/initrd.img* "$root"/boot/firmware/*
  rm -rf "$root/usr/lib/raspi-firmware"
  mkdir -p "$root/boot/firmware"
  echo "  kernel $kver, disk id $DISK_ID, $(du -sh "$boot" | cut -f1)"
}

# make_filesystems ROOT BOOT PARTS: boot.vfat, root-a.ext4, root-b.ext4, data.ext4 in PARTS.
make_filesystems() {
  local root=$1 boot=$2 parts=$3
  mkdir -p "$parts"
  mkfs.vfat -F 32 -n HEARTH-BOOT -C "$parts/boot.vfat" $((BOOT_MB * 1024)) >/dev/null
  mcopy -s -i "$parts/boot.vfat" "$boot"/* ::/
  local used
  used=$(du -s --block-size=1M "$root" | cut -f1)
  # 25 % headroom for inodes, journal and the next system update; rounded up to 64 MiB.
  ROOT_MB=$(( ( (used * 125 / 100 + 64) + 63) / 64 * 64 ))
  mkfs.ext4 -q -F -L hearth-root-a -m 0 -J size=16 -E root_owner=0:0 -d "$root" "$parts/root-a.ext4" "${ROOT_MB}M" ||
    die "mkfs.ext4 root A failed"
  mkfs.ext4 -q -F -L hearth-root-b -m 0 -J size=16 "$parts/root-b.ext4" "${ROOT_MB}M" || die "mkfs.ext4 root B failed"
  local data=$WORK/data
  mkdir -p "$data"
  chown "$HUB_UID:$HUB_UID" "$data"
  chmod 0700 "$data"
  make_data_fs "$data" "$parts/data.ext4"
  echo "  root ${used} MiB used → ${ROOT_MB} MiB per root slot"
}

# make_data_fs DIR FILE: the data partition (label hearth-data) holding DIR's files, owned by the
# hub's user. image:personalize calls this too (through image/data-fs.sh).
make_data_fs() {
  mkfs.ext4 -q -F -L hearth-data -m 0 -E "root_owner=$HUB_UID:$HUB_UID" -d "$1" "$2" "${DATA_MB}M" || die "mkfs.ext4 data failed"
  # The hub's data dir is 0700 (mkfs.ext4 -d does not carry the root directory's mode over).
  debugfs -w -R "set_inode_field / mode 040700" "$2" >/dev/null 2>&1 || die "cannot set the data root's mode"
}

# assemble_image PARTS IMAGE: MBR (the Pi 3B+ boots only from MBR) with four primary partitions.
assemble_image() {
  local parts=$1 image=$2
  local s1=$ALIGN_MB s2=$((ALIGN_MB + BOOT_MB))
  local s3=$((s2 + ROOT_MB)) s4=$((s2 + 2 * ROOT_MB))
  local total=$((s4 + DATA_MB + 1))
  mkdir -p "$(dirname "$image")"
  rm -f "$image"
  truncate -s "${total}M" "$image"
  local m=2048 # sectors per MiB
  sfdisk -q "$image" <<TABLE || die "sfdisk failed"
label: dos
label-id: 0x$DISK_ID
unit: sectors

start=$((s1 * m)), size=$((BOOT_MB * m)), type=c, bootable
start=$((s2 * m)), size=$((ROOT_MB * m)), type=83
start=$((s3 * m)), size=$((ROOT_MB * m)), type=83
start=$((s4 * m)), size=$((DATA_MB * m)), type=83
TABLE
  dd if="$parts/boot.vfat" of="$image" bs=1M seek=$s1 conv=notrunc,sparse status=none
  dd if="$parts/root-a.ext4" of="$image" bs=1M seek=$s2 conv=notrunc,sparse status=none
  dd if="$parts/root-b.ext4" of="$image" bs=1M seek=$s3 conv=notrunc,sparse status=none
  dd if="$parts/data.ext4" of="$image" bs=1M seek=$s4 conv=notrunc,sparse status=none
}

report_image() {
  local image=$1 seconds=$2
  local bytes alloc
  bytes=$(stat -c %s "$image")
  alloc=$(du -B1 "$image" | cut -f1)
  sfdisk -l "$image" | sed 's/^/  /'
  printf '{"image":"%s","seconds":%s,"bytes":%s,"allocatedBytes":%s,"rootMiB":%s}\n' \
    "$(basename "$image")" "$seconds" "$bytes" "$alloc" "$ROOT_MB" >"$image.json"
  printf '\nimage %s\n  size %s MiB (%s MiB allocated: the empty root B and free space are sparse)\n  built in %sm%02ds\n' \
    "$image" $((bytes / 1048576)) $((alloc / 1048576)) $((seconds / 60)) $((seconds % 60))
}

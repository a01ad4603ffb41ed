# Running arm64 programs on the amd64 build machine, without touching the machine's own settings.
#
# qemu-user 7.2 cannot follow an execve(): an arm64 shell that starts dpkg would hand the arm64 ELF
# to the host kernel, which refuses it. The kernel's binfmt_misc makes that work, and since Linux
# 6.7 it has an instance per user namespace: `in_arm64_root` starts a private user + mount + pid
# namespace (uids mapped 1:1, so files keep their real owners), mounts its own binfmt_misc there,
# registers qemu-aarch64-static (flag F: the interpreter is opened now, so it need not exist in the
# rootfs), mounts /proc inside the rootfs and chroots. Nothing outside that namespace sees any of it,
# and it all disappears when the command ends. No loop device, no mount on the host.
# shellcheck shell=bash

# ELF64, little-endian, e_machine 0xb7 (AArch64) — the pattern Debian's qemu-user-binfmt uses.
AARCH64_MAGIC='\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
AARCH64_MASK='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'

# True when arm64 binaries already run here (a binfmt handler registered by the machine).
arm64_runs_natively() {
  [ -r /proc/sys/fs/binfmt_misc/qemu-aarch64 ] && grep -q '^enabled' /proc/sys/fs/binfmt_misc/qemu-aarch64
}

# in_arm64_root ROOT COMMAND [ARG...]: runs COMMAND (an arm64 program) chrooted into ROOT.
in_arm64_root() {
  local root=$1
  shift
  local qemu
  qemu=$(command -v qemu-aarch64-static) || { echo "qemu-aarch64-static not found (apt-get install qemu-user-static)" >&2; return 1; }
  local inner
  inner=$(mktemp)
  # The script the namespace runs; arguments are passed through "$@" untouched.
  cat >"$inner" <<INNER
set -eu
root=\$1; shift
b=\$(mktemp -d)
mount -t binfmt_misc binfmt_misc "\$b"
printf '%s' ':hearth-aarch64:M::$AARCH64_MAGIC:$AARCH64_MASK:$qemu:F' >"\$b/register"
[ ! -L "\$root/proc" ] || rm "\$root/proc"
mkdir -p "\$root/proc"
mount -t proc proc "\$root/proc"
rc=0
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
  chroot "\$root" "\$@" || rc=\$?
umount "\$root/proc" 2>/dev/null || true
exit \$rc
INNER
  local gate
  gate=$(mktemp -u)
  # The namespace waits until its uid/gid maps are written (by us, root outside it).
  unshare --user --mount --pid --fork --propagation private sh -c 'while [ ! -e "$0" ]; do sleep 0.05; done; exec sh "$@"' "$gate" "$inner" "$root" "$@" &
  local pid=$!
  local i=0
  until [ -r "/proc/$pid/uid_map" ] && [ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ]; do
    i=$((i + 1))
    [ $i -lt 200 ] || { echo "user namespace did not start" >&2; kill "$pid" 2>/dev/null; return 1; }
    sleep 0.05
  done
  echo '0 0 65536' >"/proc/$pid/uid_map"
  echo '0 0 65536' >"/proc/$pid/gid_map"
  touch "$gate"
  local rc=0
  wait "$pid" || rc=$?
  rm -f "$gate" "$inner"
  return $rc
}

# arm64_run ROOT COMMAND...: natively when the machine runs arm64 binaries, else in_arm64_root.
arm64_run() {
  local root=$1
  shift
  if arm64_runs_natively; then
    mkdir -p "$root/proc"
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive chroot "$root" "$@"
  else
    in_arm64_root "$root" "$@"
  fi
}

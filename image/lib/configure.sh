# Turns the cached Debian base into the Hearth image's root: the hub, its user, units and the
# hardening (EN 303 645 5.1-1 no default passwords, 5.6 minimise exposed surface).
# shellcheck shell=bash

# Units enabled in the image; everything else that Debian enabled is disabled.
# (networkd brings its socket and wait-online: the hub starts once DHCP has an address, so its
# certificate names the address devices will use.)
ENABLED_UNITS="hearth.service hearth-firewall.service hearth-firewall.path hearth-boot.service
  systemd-networkd.service systemd-resolved.service systemd-timesyncd.service"
# Never started, whatever asks for them: no login on any console, no first-boot prompts, no login
# manager (nobody logs in; and its StateDirectory cannot be made on the read-only root, so it
# failed five times at every boot — seen on the serial console by test/image/booted-image.ts).
MASKED_UNITS="getty@.service serial-getty@.service console-getty.service container-getty@.service
  autovt@.service getty.target systemd-firstboot.service systemd-logind.service apt-daily.timer apt-daily-upgrade.timer
  apt-daily.service apt-daily-upgrade.service dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service"

configure_root() {
  local root=$1
  # The hub and Node.js.
  install -m 0755 "$WORK/node/package/bin/node" "$root/usr/bin/node"
  install -D -m 0644 "$WORK/node/package/LICENSE" "$root/usr/share/doc/nodejs-hearth/copyright"
  mkdir -p "$root/opt/hearth"
  cp -a "$APP" "$root/opt/hearth/app"
  chown -R root:root "$root/opt/hearth/app"
  chmod -R go-w,a+rX "$root/opt/hearth/app"
  # Image files (fstab, units, network, journald, the boot script) and the hub's units.
  cp -a --no-preserve=ownership "$IMG_DIR/rootfs/." "$root/"
  install -m 0644 "$IMG_DIR/systemd/hearth.service" "$IMG_DIR/systemd/hearth-firewall.service" \
    "$IMG_DIR/systemd/hearth-firewall.path" "$root/etc/systemd/system/"

  # The hub's user (uid fixed in sysusers.d) and the rest of sysusers.d, written at build time:
  # /etc is read-only on the card.
  systemd-sysusers --root="$root" >/dev/null
  grep -q "^hearth:x:$HUB_UID:$HUB_UID:" "$root/etc/passwd" || die "hearth user is not uid/gid $HUB_UID"
  mkdir -p "$root/var/lib/hearth"
  chown "$HUB_UID:$HUB_UID" "$root/var/lib/hearth"
  chmod 0700 "$root/var/lib/hearth"

  # EN 303 645 5.1-1: no account has a password; root is locked; nobody can log in.
  lock_accounts "$root"
  rm -rf "$root/etc/ssh" "$root/usr/sbin/sshd"

  # Units: only the hub and what it needs.
  local u
  for u in $(systemctl --root="$root" list-unit-files --state=enabled --no-legend | awk '{print $1}'); do
    systemctl --root="$root" disable "$u" >/dev/null 2>&1 || true
  done
  # shellcheck disable=SC2086
  systemctl --root="$root" enable $ENABLED_UNITS >/dev/null 2>&1 || die "systemctl enable failed"
  # shellcheck disable=SC2086
  systemctl --root="$root" mask $MASKED_UNITS >/dev/null 2>&1 || die "systemctl mask failed"
  systemctl --root="$root" set-default multi-user.target >/dev/null 2>&1
  ln -sf ../run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"

  # Per-card identities are made on the card, never here: empty machine id (systemd makes one in
  # RAM at boot), no SSH host keys, no random seed, no hub data.
  : >"$root/etc/machine-id"
  rm -f "$root/var/lib/dbus/machine-id" "$root/var/lib/systemd/random-seed"
  # timesyncd's state dir made here (the root is read-only on the card).
  local ts
  ts=$(awk -F: '$1=="systemd-timesync"{print $3":"$4}' "$root/etc/passwd")
  mkdir -p "$root/var/lib/systemd/timesync"
  [ -z "$ts" ] || chown "$ts" "$root/var/lib/systemd/timesync"
  rm -f "$root/usr/sbin/policy-rc.d"
  rm -rf "$root"/tmp/* "$root"/var/tmp/* "$root"/var/log/* "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* \
    "$root"/root/.[!.]* "$root"/var/cache/ldconfig/aux-cache
  rm -f "$root/usr/bin/qemu-aarch64-static"
}

# Every account in /etc/shadow gets "*" (no password can match) and root's "!" (locked).
lock_accounts() {
  local root=$1
  awk -F: 'BEGIN{OFS=":"} { $2 = ($1 == "root") ? "!*" : "*"; print }' "$root/etc/shadow" >"$root/etc/shadow.new"
  cat "$root/etc/shadow.new" >"$root/etc/shadow"
  rm -f "$root/etc/shadow.new" "$root/etc/shadow-" "$root/etc/passwd-" "$root/etc/group-" "$root/etc/gshadow-"
  [ ! -f "$root/etc/gshadow" ] || sed -i -E 's/^([^:]*):[^:]*:/\1:*:/' "$root/etc/gshadow"
  sed -i -E 's#^root:([^:]*):0:0:([^:]*):([^:]*):.*#root:\1:0:0:\2:\3:/usr/sbin/nologin#' "$root/etc/passwd"
}

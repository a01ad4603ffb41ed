import t from 'tap'
import path from 'node:path'
import { run } from '../helpers/netns.js'

/**
 * hearth-boot.service runs as root for a moment at every boot (grow the data partition, set the
 * hostname); the hub's provisioning inside it runs as the hub's user. Its exposure is held down
 * as far as resizing a partition allows, and its script is valid POSIX sh (dash, the image's /bin/sh).
 */
const UNIT = path.resolve('image/rootfs/etc/systemd/system/hearth-boot.service')
const SCRIPT = path.resolve('image/rootfs/opt/hearth/bin/hearth-boot')

t.test('hearth-boot.service: exposure ≤ 5.0, only the capabilities it needs', async (t) => {
  const r = await run(['systemd-analyze', 'security', '--offline=true', '--no-pager', UNIT])
  const m = /Overall exposure level for \S+: (\d+\.\d)/.exec(r.stdout)
  t.ok(m, 'systemd-analyze scored the unit')
  t.ok(Number(m?.[1]) <= 5.0, `exposure ${m?.[1]}`)
  t.match(r.stdout, /✓ CapabilityBoundingSet=~CAP_NET_ADMIN/, 'no network administration')
  t.match(r.stdout, /✓ RestrictAddressFamilies=~AF_(INET|PACKET)/, 'no IP or packet sockets')
})

t.test('hearth-boot script: valid sh, provisions as the hub user, never prints the setup code', async (t) => {
  const r = await run(['sh', '-n', SCRIPT])
  t.equal(r.code, 0, r.stderr)
  const { readFileSync } = await import('node:fs')
  const s = readFileSync(SCRIPT, 'utf8')
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
  t.match(s, /setpriv --reuid=hearth --regid=hearth --clear-groups --no-new-privs/)
  t.match(s, /provision --data-dir "\$DATA"\)/, 'plain provision (no label: no setup code)')
  t.match(s, /HEARTH_FIREWALL_MODE=helper \$HUB provision/, 'first boot: provision leaves the boot firewall policy (the helper applies it before the network)')
  t.notMatch(s, /provision label|setup-code/, 'no command that shows the setup code')
})

import t from 'tap'
import {
  authorizePublish,
  authorizeSubscribe,
  clientIdAllowed,
  clientIdNamespacesOverlap,
  grantsFor,
  isDeviceId,
  type Grants,
  type Principal,
} from '../../src/policy/acl.js'

const device: Principal = { username: 'dev-kitchen-1', role: 'device', deviceId: 'kitchen-1', grants: grantsFor('device', { deviceId: 'kitchen-1' }) }
const integration: Principal = { username: 'ha', role: 'integration', grants: grantsFor('integration') }
const hub: Principal = { username: 'hearth', role: 'hub', grants: grantsFor('hub') }
const customGrants: Grants = {
  pub: { allow: ['lab/#'], deny: ['lab/secret/#'] },
  sub: { allow: ['lab/#', 'hearth/+/state'], deny: ['lab/secret/#', 'hearth/door-2/state'] },
}
const custom: Principal = { username: 'nodered', role: 'custom', grants: grantsFor('custom', { custom: customGrants }) }
// A standard role with an added deny: deny overrides allow.
const restricted: Principal = {
  username: 'ha-guest',
  role: 'integration',
  grants: { ...integration.grants, pub: { allow: ['hearth/+/set'], deny: ['hearth/door-2/set'] }, sub: { allow: integration.grants.sub.allow, deny: ['hearth/door-2/#'] } },
}

type Row = [Principal, 'pub' | 'sub', string, 'allow' | 'sys-topic' | 'not-granted' | 'denied' | 'invalid-topic']

const rows: Row[] = [
  // device: its own topics only
  [device, 'pub', 'hearth/kitchen-1/state', 'allow'],
  [device, 'pub', 'hearth/kitchen-1/availability', 'allow'],
  [device, 'pub', 'hearth/kitchen-1/set', 'not-granted'], // cannot command itself
  [device, 'pub', 'hearth/door-2/state', 'not-granted'], // another device's state
  [device, 'pub', 'hearth/door-2/set', 'not-granted'], // another device's commands
  [device, 'pub', 'homeassistant/sensor/x/config', 'not-granted'],
  [device, 'pub', 'homeassistant/status', 'not-granted'],
  [device, 'pub', '$SYS/broker/uptime', 'sys-topic'],
  [device, 'pub', 'hearth/+/state', 'invalid-topic'],
  [device, 'pub', 'hearth/#', 'invalid-topic'],
  [device, 'pub', '', 'invalid-topic'],
  [device, 'sub', 'hearth/kitchen-1/set', 'allow'],
  [device, 'sub', 'hearth/kitchen-1/state', 'not-granted'],
  [device, 'sub', 'hearth/kitchen-1/error', 'not-granted'],
  [device, 'sub', 'hearth/door-2/set', 'not-granted'],
  [device, 'sub', 'hearth/+/set', 'not-granted'], // wildcard overreach
  [device, 'sub', '+/+/set', 'not-granted'],
  [device, 'sub', 'hearth/kitchen-1/#', 'not-granted'],
  [device, 'sub', 'hearth/#', 'not-granted'],
  [device, 'sub', '#', 'not-granted'],
  [device, 'sub', '$SYS/#', 'sys-topic'],
  [device, 'sub', '$SYS/broker/clients/connected', 'sys-topic'],
  [device, 'sub', 'hearth/kitchen-1/set/#/x', 'invalid-topic'],

  // integration: all state, all commands, discovery
  [integration, 'sub', 'hearth/+/state', 'allow'],
  [integration, 'sub', 'hearth/door-2/state', 'allow'],
  [integration, 'sub', 'hearth/+/availability', 'allow'],
  [integration, 'sub', 'hearth/+/error', 'allow'],
  [integration, 'pub', 'hearth/x/error', 'not-granted'],
  [integration, 'sub', 'homeassistant/#', 'allow'],
  [integration, 'sub', 'homeassistant/sensor/+/config', 'allow'],
  [integration, 'sub', 'homeassistant/status', 'allow'],
  [integration, 'sub', 'hearth/+/set', 'not-granted'], // cannot read others' commands
  [integration, 'sub', '+/+/set', 'not-granted'],
  [integration, 'sub', 'hearth/#', 'not-granted'],
  [integration, 'sub', '#', 'not-granted'],
  [integration, 'sub', '$SYS/#', 'sys-topic'],
  [integration, 'pub', 'hearth/door-2/set', 'allow'],
  [integration, 'pub', 'hearth/kitchen-1/set', 'allow'],
  [integration, 'pub', 'homeassistant/status', 'allow'], // HA birth / last will
  [integration, 'pub', 'hearth/door-2/state', 'not-granted'], // cannot forge state
  [integration, 'pub', 'hearth/door-2/availability', 'not-granted'],
  [integration, 'pub', 'homeassistant/sensor/hearth_x/temperature/config', 'not-granted'], // only the hub describes devices
  [integration, 'pub', '$SYS/x', 'sys-topic'],
  [integration, 'pub', 'hearth/+/set', 'invalid-topic'],

  // deny overrides allow
  [restricted, 'pub', 'hearth/kitchen-1/set', 'allow'],
  [restricted, 'pub', 'hearth/door-2/set', 'denied'],
  [restricted, 'sub', 'hearth/kitchen-1/state', 'allow'],
  [restricted, 'sub', 'hearth/door-2/state', 'denied'],
  [restricted, 'sub', 'hearth/+/state', 'denied'], // would deliver door-2's state
  [restricted, 'sub', 'hearth/+/availability', 'denied'],
  [restricted, 'sub', 'homeassistant/#', 'allow'],

  // hub
  [hub, 'pub', 'hearth/kitchen-1/state', 'allow'],
  [hub, 'pub', 'hearth/door-2/set', 'allow'],
  [hub, 'pub', 'homeassistant/sensor/hearth_x/temperature/config', 'allow'],
  [hub, 'pub', '$SYS/broker/uptime', 'sys-topic'], // not even the hub
  [hub, 'pub', 'other/topic', 'not-granted'],
  [hub, 'sub', 'hearth/+/set', 'allow'],
  [hub, 'sub', 'hearth/door-2/set', 'allow'],
  [hub, 'sub', 'hearth/+/state', 'not-granted'],
  [hub, 'sub', 'hearth/#', 'not-granted'],
  [hub, 'sub', '#', 'not-granted'],
  [hub, 'sub', '$SYS/#', 'sys-topic'],

  // custom grants
  [custom, 'pub', 'lab/bench/temp', 'allow'],
  [custom, 'pub', 'lab', 'allow'],
  [custom, 'pub', 'lab/secret/key', 'denied'],
  [custom, 'pub', 'lab/secret', 'denied'], // `lab/secret/#` includes its parent
  [custom, 'pub', 'hearth/kitchen-1/set', 'not-granted'],
  [custom, 'pub', '$SYS/x', 'sys-topic'],
  [custom, 'sub', 'lab/public/+', 'allow'],
  [custom, 'sub', 'lab/+/temp', 'denied'], // would deliver lab/secret/temp
  [custom, 'sub', 'lab/public/#', 'allow'],
  [custom, 'sub', 'lab/#', 'denied'], // overlaps lab/secret/#
  [custom, 'sub', 'lab/+/key', 'denied'], // would deliver lab/secret/key
  [custom, 'sub', 'hearth/kitchen-1/state', 'allow'],
  [custom, 'sub', 'hearth/+/state', 'denied'], // would deliver door-2's state
  [custom, 'sub', 'hearth/door-2/state', 'denied'],
  [custom, 'sub', '#', 'not-granted'],
  [custom, 'sub', '+/+/set', 'not-granted'],
  [custom, 'sub', '$SYS/#', 'sys-topic'],
]

for (const [p, op, topic, expected] of rows) {
  t.test(`${p.username} (${p.role}) ${op} ${JSON.stringify(topic)} → ${expected}`, async (t) => {
    const d = op === 'pub' ? authorizePublish(p, topic) : authorizeSubscribe(p, topic)
    t.same(d, expected === 'allow' ? { allow: true } : { allow: false, reason: expected })
  })
}

t.test('limits are applied when given', async (t) => {
  const limits = { maxLength: 64, maxLevels: 2 }
  t.same(authorizePublish(device, 'hearth/kitchen-1/state', limits), { allow: false, reason: 'invalid-topic' })
  t.same(authorizeSubscribe(device, 'hearth/kitchen-1/set', limits), { allow: false, reason: 'invalid-topic' })
})

t.test('device grants name only the device itself', async (t) => {
  t.same(grantsFor('device', { deviceId: 'abc' }), {
    pub: { allow: ['hearth/abc/state', 'hearth/abc/availability'], deny: [] },
    sub: { allow: ['hearth/abc/set'], deny: [] },
  })
  for (const g of [grantsFor('device', { deviceId: 'abc' }), grantsFor('integration'), grantsFor('hub')])
    for (const f of [...g.pub.allow, ...g.sub.allow]) t.notOk(f.startsWith('$') || f === '#', `${f} is not global`)
})

const badIds = ['', '+', '#', 'a/b', 'a+', 'a#', '../x', 'A', 'kitchen 1', '-abc', 'a'.repeat(65), 'é', 'a\u0000']
for (const id of badIds) {
  t.test(`device id ${JSON.stringify(id)} is refused`, async (t) => {
    t.notOk(isDeviceId(id))
    t.throws(() => grantsFor('device', { deviceId: id }), { name: 'HubError', code: 'HUB_ERR_BAD_REQUEST' })
  })
}

t.test('good device ids', async (t) => {
  for (const id of ['a', '0', 'kitchen-1', 'a'.repeat(64), '0x00124b0012345678']) t.ok(isDeviceId(id), id)
  t.notOk(isDeviceId(undefined))
})

t.test('a hand-built device principal with an injecting id is refused everything', async (t) => {
  const evil: Principal = { username: 'evil', role: 'device', deviceId: '+', grants: { pub: { allow: ['hearth/+/state'], deny: [] }, sub: { allow: ['hearth/+/set'], deny: [] } } }
  t.same(authorizePublish(evil, 'hearth/door-2/state'), { allow: false, reason: 'not-granted' })
  t.same(authorizeSubscribe(evil, 'hearth/+/set'), { allow: false, reason: 'not-granted' })
  t.notOk(clientIdAllowed(evil, '+'))
  const missing: Principal = { username: 'x', role: 'device', grants: evil.grants }
  t.same(authorizePublish(missing, 'hearth/door-2/state'), { allow: false, reason: 'not-granted' })
})

t.test('custom grants are validated and copied', async (t) => {
  t.throws(() => grantsFor('custom'), { name: 'HubError', code: 'HUB_ERR_BAD_REQUEST' })
  for (const bad of ['a/#/b', 'a+', '', 'a\u0000'])
    t.throws(() => grantsFor('custom', { custom: { pub: { allow: [bad], deny: [] }, sub: { allow: [], deny: [] } } }), { name: 'HubError', code: 'HUB_ERR_BAD_REQUEST' }, JSON.stringify(bad))
  const given: Grants = { pub: { allow: ['x/y'], deny: [] }, sub: { allow: ['x/y'], deny: [] } }
  const p: Principal = { username: 'c', role: 'custom', grants: grantsFor('custom', { custom: given }) }
  given.pub.allow.push('#')
  given.sub.allow.push('#')
  t.same(authorizePublish(p, 'other'), { allow: false, reason: 'not-granted' }, 'later mutation does not widen')
  t.same(authorizeSubscribe(p, '#'), { allow: false, reason: 'not-granted' })
})

t.test('a custom grant on $SYS is still refused', async (t) => {
  const p: Principal = { username: 'c', role: 'custom', grants: grantsFor('custom', { custom: { pub: { allow: ['$SYS/#'], deny: [] }, sub: { allow: ['$SYS/#', '#'], deny: [] } } }) }
  t.same(authorizePublish(p, '$SYS/x'), { allow: false, reason: 'sys-topic' })
  t.same(authorizeSubscribe(p, '$SYS/#'), { allow: false, reason: 'sys-topic' })
  t.same(authorizeSubscribe(p, '#'), { allow: true }, '`#` never delivers $ topics [MQTT-4.7.2-1]')
})

// [principal, client id, allowed]
const clientIds: Array<[Principal, string, boolean]> = [
  [device, 'kitchen-1', true],
  [device, 'kitchen-1-x', false],
  [device, 'dev-kitchen-1', false], // its username is not its client id
  [device, 'door-2', false],
  [device, '', false],
  [integration, 'ha', true],
  [integration, 'ha-1', true],
  [integration, 'ha_main', true],
  [integration, 'ha:flow', true],
  [integration, 'ha-', false], // separator needs more after it
  [integration, 'hax', false],
  [integration, 'h', false],
  [integration, 'kitchen-1', false],
  [integration, 'HA', false],
  [integration, '', false],
  [hub, 'hearth', true],
  [hub, 'hearth-zigbee', true],
  [hub, 'hearthx', false],
  [custom, 'nodered', true],
  [custom, 'nodered:1', true],
  [custom, 'nodered/1', false],
  [custom, 'ha', false],
]

for (const [p, id, expected] of clientIds) {
  t.test(`${p.username} (${p.role}) client id ${JSON.stringify(id)} → ${expected}`, async (t) => {
    t.equal(clientIdAllowed(p, id), expected)
  })
}

type Who = Pick<Principal, 'username' | 'role' | 'deviceId'>
const acct = (username: string): Who => ({ username, role: 'integration' })
const dev = (id: string): Who => ({ username: 'u-' + id, role: 'device', deviceId: id })
const namespaces: Array<[Who, Who, boolean]> = [
  [acct('ha'), acct('ha'), true],
  [acct('ha'), acct('ha-1'), true],
  [acct('ha'), acct('ha_x'), true],
  [acct('ha'), acct('ha-'), true], // `ha--x` belongs to both
  [acct('ha'), acct('hax'), false],
  [acct('ha'), acct('nodered'), false],
  [acct('ha'), dev('ha'), true],
  [acct('ha'), dev('ha-1'), true],
  [acct('ha'), dev('hab'), false],
  [dev('a'), dev('a'), true],
  [dev('a'), dev('a-1'), false],
]

for (const [a, b, expected] of namespaces) {
  t.test(`client id namespaces ${a.deviceId ?? a.username} / ${b.deviceId ?? b.username} overlap: ${expected}`, async (t) => {
    t.equal(clientIdNamespacesOverlap(a, b), expected)
    t.equal(clientIdNamespacesOverlap(b, a), expected, 'symmetric')
  })
}

t.test('namespace overlap agrees with clientIdAllowed on sample ids', async (t) => {
  const ids = ['ha', 'ha-1', 'ha_x', 'ha--x', 'ha-1-2', 'hax', 'a', 'a-1', 'nodered']
  const grants = grantsFor('integration')
  for (const [a, b, expected] of namespaces) {
    const pa = { ...a, grants }
    const pb = { ...b, grants }
    const shared = ids.some((id) => clientIdAllowed(pa, id) && clientIdAllowed(pb, id))
    if (shared) t.ok(expected, `${a.username} and ${b.username} share an id, so they overlap`)
  }
})

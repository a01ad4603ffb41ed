import t from 'tap'
import { resolveConfig } from '../../src/core/config.js'
import { configLeaves } from '../../src/core/config-schema.js'
import { HubError } from '../../src/core/errors.js'

const base = { env: {}, flags: {}, baseDir: '/opt/hearth' }

t.test('defaults: unprivileged ports on loopback, data dir in the checkout', async (t) => {
  const c = resolveConfig(base)
  t.equal(c.mqtt.port, 8883)
  t.equal(c.http.port, 8443)
  t.equal(c.mqtt.host, '127.0.0.1')
  t.equal(c.http.host, '127.0.0.1')
  t.equal(c.dataDir, '/opt/hearth/data')
  t.equal(c.mqtt.plainPort, 0, 'plain MQTT off by default')
  t.equal(c.zigbee.port, '', 'no coordinator by default')
})

t.test('precedence: defaults < file < environment < flags', async (t) => {
  const file = { path: '/etc/hearth.json', text: JSON.stringify({ mqtt: { port: 1111, maxTopicLevels: 5 }, http: { port: 2222 } }) }
  t.equal(resolveConfig({ ...base, file }).mqtt.port, 1111)
  t.equal(resolveConfig({ ...base, file, env: { HEARTH_MQTT_PORT: '3333' } }).mqtt.port, 3333)
  const c = resolveConfig({ ...base, file, env: { HEARTH_MQTT_PORT: '3333' }, flags: { '--mqtt-port': '4444' } })
  t.equal(c.mqtt.port, 4444)
  t.equal(c.mqtt.maxTopicLevels, 5, 'untouched file values stay')
  t.equal(c.http.port, 2222)
  t.equal(resolveConfig({ ...base, flags: { '--data-dir': 'rel/dir' } }).dataDir, '/opt/hearth/rel/dir')
})

t.test('every leaf has an env name, a flag, a default and a description', async (t) => {
  for (const leaf of configLeaves()) {
    t.match(leaf.env, /^HEARTH_[A-Z_]+$/, leaf.key)
    t.match(leaf.flag, /^--[a-z-]+$/, leaf.key)
    t.not((leaf.schema as { default?: unknown }).default, undefined, `${leaf.key} has a default`)
    t.ok((leaf.schema as { description?: string }).description, `${leaf.key} is described`)
  }
})

const bad: Array<[string, Parameters<typeof resolveConfig>[0], RegExp]> = [
  ['port out of range (flag)', { ...base, flags: { '--mqtt-port': '70000' } }, /mqtt\.port = 70000 \(from --mqtt-port\): expected an integer from 0 to 65535/],
  ['port not a number (env)', { ...base, env: { HEARTH_HTTP_PORT: 'eighty' } }, /http\.port = "eighty" \(from HEARTH_HTTP_PORT\)/],
  ['bad log level', { ...base, flags: { '--log-level': 'loud' } }, /log\.level = "loud" .*expected one of fatal, error/],
  ['unknown field in file', { ...base, file: { path: '/c.json', text: '{"mqtt":{"prot":1}}' } }, /mqtt\.prot = 1 \(from \/c\.json\): expected no such field/],
  ['string port in file', { ...base, file: { path: '/c.json', text: '{"mqtt":{"port":"8883"}}' } }, /mqtt\.port = "8883" \(from \/c\.json\)/],
  ['file not JSON', { ...base, file: { path: '/c.json', text: '{mqtt' } }, /\/c\.json is not valid JSON/],
  ['file not an object', { ...base, file: { path: '/c.json', text: '[1]' } }, /expected a JSON object/],
  ['bad hostname', { ...base, env: { HEARTH_HOSTNAME: 'my hub!' } }, /hostname = "my hub!" \(from HEARTH_HOSTNAME\): expected a string/],
]
for (const [name, src, re] of bad) {
  t.test(`config error: ${name}`, async (t) => {
    try {
      resolveConfig(src)
      t.fail('accepted')
    } catch (err) {
      t.ok(err instanceof HubError)
      t.equal((err as HubError).code, 'HUB_ERR_CONFIG')
      t.equal((err as HubError).exitCode, 78)
      t.match((err as HubError).message, re)
      t.notMatch((err as HubError).message, /\n/, 'one line')
    }
  })
}

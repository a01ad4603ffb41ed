import t from 'tap'
import path from 'node:path'
import { resolveConfig } from '../../../src/core/config.js'
import type { Logger } from '../../../src/core/log.js'
import { startHub } from '../../../src/hub.js'
import { tmpDir } from '../../helpers/hub-process.js'

/** A logger that records every line with its bindings (module), for asserting what the hub says. */
function capture(): { log: Logger; lines: Array<{ level: string; obj: Record<string, unknown>; msg: string }> } {
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = []
  const make = (bindings: Record<string, unknown>): Logger => {
    const at = (level: string) => (a: object | string, b?: string) =>
      void lines.push(typeof a === 'string' ? { level, obj: { ...bindings }, msg: a } : { level, obj: { ...bindings, ...a }, msg: b ?? '' })
    return { fatal: at('fatal'), error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), trace: at('trace'), child: (b) => make({ ...bindings, ...b }) }
  }
  return { log: make({}), lines }
}

const flags = (dir: string, extra: Record<string, string> = {}) => ({ '--data-dir': path.join(dir, 'data'), '--mqtt-port': '0', '--http-port': '0', ...extra })

t.test('the hub starts with no button attached and says so', async (t) => {
  const { log, lines } = capture()
  const hub = await startHub(resolveConfig({ env: {}, flags: flags(tmpDir()), baseDir: '/' }), log)
  t.teardown(() => hub.stop())
  const said = lines.filter((l) => l.obj.module === 'hid-button')
  t.ok(said.some((l) => l.level === 'info' && /no HID button attached/.test(l.msg) && l.obj.reason === 'no-device'), 'an info line names the reason')
  t.notOk(lines.some((l) => l.level === 'error' || l.level === 'fatal'), 'nothing at error level')
})

t.test('hid.button.enabled=false: not looked for, and the log says it is off', async (t) => {
  const { log, lines } = capture()
  const hub = await startHub(resolveConfig({ env: {}, flags: flags(tmpDir(), { '--hid-button-enabled': 'false' }), baseDir: '/' }), log)
  t.teardown(() => hub.stop())
  const said = lines.filter((l) => l.obj.module === 'hid-button')
  t.same(said.map((l) => l.msg), ['HID button disabled (hid.button.enabled is false)'])
})

import type { Logger } from '../../src/core/log.js'

/**
 * A logger for in-process test hubs that keeps the last `max` lines at info and above (with
 * their child bindings), so a failing test can show what the hub said just before. Lines are
 * kept as given and turned into text only when read: most tests never look.
 */
export function recentLogger(max = 200): { log: Logger; lines(): string[] } {
  const ring: Array<{ level: string; msg: string; obj: object; bindings: Record<string, unknown> }> = []
  const make = (bindings: Record<string, unknown>): Logger => {
    const at =
      (level: string) =>
      (a: object | string, b?: string): void => {
        ring.push(typeof a === 'string' ? { level, msg: a, obj: {}, bindings } : { level, msg: b ?? '', obj: a, bindings })
        if (ring.length > max) ring.shift()
      }
    const drop = () => {}
    return { fatal: at('fatal'), error: at('error'), warn: at('warn'), info: at('info'), debug: drop, trace: drop, child: (more) => make({ ...bindings, ...more }) }
  }
  const text = (o: object) => {
    try {
      return JSON.stringify(o, (_k, v: unknown) => (v instanceof Error ? v.message : v))
    } catch {
      return '(unprintable)'
    }
  }
  return { log: make({}), lines: () => ring.map((l) => `${l.level} ${l.msg} ${text({ ...l.bindings, ...l.obj })}`) }
}

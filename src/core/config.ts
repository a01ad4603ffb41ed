import path from 'node:path'
import { ConfigSchema, configLeaves, type Config, type ConfigLeaf } from './config-schema.js'
import { HubError } from './errors.js'
import { compile, describeExpected, errorPath } from './validate.js'

/** What the config is made from. Pure data: reading the file is the caller's job. */
export interface ConfigSources {
  /** The config file's path and text, if there is one. */
  file?: { path: string; text: string } | undefined
  env: Record<string, string | undefined>
  /** Config flags by flag name (`--mqtt-port` → `"8883"`). */
  flags: Record<string, string>
  /** Relative `dataDir` values are taken from here. */
  baseDir: string
}

const LEAVES = configLeaves()

function setAt(obj: Record<string, unknown>, keys: string[], value: unknown): void {
  let cur = obj
  for (const k of keys.slice(0, -1)) {
    if (typeof cur[k] !== 'object' || cur[k] === null) cur[k] = {}
    cur = cur[k] as Record<string, unknown>
  }
  cur[keys[keys.length - 1]!] = value
}

function getAt(obj: unknown, keys: string[]): unknown {
  let cur = obj
  for (const k of keys) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined
  return cur
}

/** Strings from the environment or flags become numbers only when they are exactly numbers. */
function fromText(leaf: ConfigLeaf, text: string): unknown {
  const type = (leaf.schema as { type?: string }).type
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(text.trim())) return Number(text)
  if (type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true'
  return text
}

function configError(field: string, value: unknown, source: string, expected: string): HubError {
  const shown = value === undefined ? '(missing)' : JSON.stringify(value)
  return new HubError('HUB_ERR_CONFIG', `config error: ${field} = ${shown} (from ${source}): expected ${expected}`, {
    field,
    source,
  })
}

/**
 * Builds the config: defaults < file < environment < flags, then validates the whole. The first
 * problem is thrown as one line naming the field, its value, where it came from and what was
 * expected (the caller exits 78, EX_CONFIG).
 */
export function resolveConfig(src: ConfigSources): Config {
  const raw: Record<string, unknown> = {}
  const origin = new Map<string, string>()
  if (src.file) {
    let parsed: unknown
    try {
      parsed = JSON.parse(src.file.text)
    } catch (err) {
      throw new HubError('HUB_ERR_CONFIG', `config error: ${src.file.path} is not valid JSON (${(err as Error).message})`, {
        field: '(file)',
      })
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw configError('(root)', parsed, src.file.path, 'a JSON object')
    Object.assign(raw, parsed)
    const mark = (obj: unknown, prefix: string[]) => {
      if (!obj || typeof obj !== 'object') return
      for (const [k, v] of Object.entries(obj)) {
        origin.set([...prefix, k].join('.'), src.file!.path)
        mark(v, [...prefix, k])
      }
    }
    mark(parsed, [])
  }
  for (const leaf of LEAVES) {
    const envValue = src.env[leaf.env]
    if (envValue !== undefined && envValue !== '') {
      setAt(raw, leaf.path, fromText(leaf, envValue))
      origin.set(leaf.key, leaf.env)
    }
    const flagValue = src.flags[leaf.flag]
    if (flagValue !== undefined) {
      setAt(raw, leaf.path, fromText(leaf, flagValue))
      origin.set(leaf.key, leaf.flag)
    }
  }
  const given = structuredClone(raw)
  // Compiled per call (once per process): the validator is garbage once the config is built.
  const validate = compile<Config>('config', ConfigSchema, { cache: false })
  if (!validate(raw)) {
    const e = validate.errors![0]!
    const field = errorPath(e)
    const leaf = LEAVES.find((l) => l.key === field)
    const value = getAt(given, field.split('.'))
    const expected =
      e.keyword === 'additionalProperties' ? 'no such field (see the configuration reference)' : describeExpected(leaf?.schema as never)
    throw configError(field, value, origin.get(field) ?? 'defaults', expected)
  }
  const config = raw as Config
  config.dataDir = path.resolve(src.baseDir, config.dataDir)
  if (config.update.slotsDir) config.update.slotsDir = path.resolve(src.baseDir, config.update.slotsDir)
  return config
}

/** The config a path and its source, for `hearth config` style output and the README table. */
export function configReference(): Array<{ key: string; env: string; flag: string; default: unknown; description: string }> {
  return LEAVES.map((l) => ({
    key: l.key,
    env: l.env,
    flag: l.flag,
    default: (l.schema as { default?: unknown }).default,
    description: String((l.schema as { description?: string }).description ?? ''),
  }))
}

import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { resolveConfig } from '../core/config.js'
import type { Config } from '../core/config-schema.js'
import { HubError } from '../core/errors.js'
import { packageRoot } from './paths.js'

/**
 * Reads the config file (named by --config / HEARTH_CONFIG, else `<dataDir>/config.json` when it
 * exists) and resolves the config from it, the environment and the flags. Writes nothing.
 */
export async function loadConfig(flags: Record<string, string>, env: NodeJS.ProcessEnv): Promise<Config> {
  const baseDir = packageRoot()
  const named = flags['--config'] ?? env.HEARTH_CONFIG
  let file: { path: string; text: string } | undefined
  const candidate = named
    ? path.resolve(named)
    : path.join(path.resolve(baseDir, flags['--data-dir'] ?? env.HEARTH_DATA_DIR ?? 'data'), 'config.json')
  try {
    file = { path: candidate, text: await fsp.readFile(candidate, 'utf8') }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (named || (code !== 'ENOENT' && code !== 'ENOTDIR'))
      throw new HubError('HUB_ERR_CONFIG', `config error: config file ${candidate} cannot be read (${code})`, { field: 'config' })
  }
  return resolveConfig({ file, env, flags, baseDir })
}

import { configLeaves } from '../core/config-schema.js'
import { HubError } from '../core/errors.js'

/** Parsed command line: the command, its positional words, config flags and command options. */
export interface ParsedArgs {
  command: string
  positional: string[]
  /** Config flags (`--mqtt-port` …) as strings, validated later with the config schema. */
  configFlags: Record<string, string>
  /** Command options: booleans and repeatable values. */
  options: Record<string, string[]>
  json: boolean
  help: boolean
}

const CONFIG_FLAGS = new Set(configLeaves().map((l) => l.flag))
const BOOLEAN_FLAGS = new Set(['--json', '--help', '-h', '--yes', '--allow-downgrade'])

/**
 * A small, strict argv parser: `--flag value`, `--flag=value`; unknown flags are an error
 * (EN 303 645 5.13: the CLI is an input too). `valueFlags` lists a command's own options.
 */
export function parseArgs(argv: string[], valueFlags: ReadonlySet<string> = new Set()): ParsedArgs {
  const out: ParsedArgs = { command: '', positional: [], configFlags: {}, options: {}, json: false, help: false }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (!arg.startsWith('-') || arg === '-') {
      if (!out.command) out.command = arg
      else out.positional.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const flag = eq > 0 ? arg.slice(0, eq) : arg
    if (BOOLEAN_FLAGS.has(flag)) {
      if (eq > 0) throw new HubError('HUB_ERR_USAGE', `${flag} takes no value`)
      if (flag === '--json') out.json = true
      else if (flag === '--help' || flag === '-h') out.help = true
      else (out.options[flag] ??= []).push('true')
      continue
    }
    if (!CONFIG_FLAGS.has(flag) && flag !== '--config' && !valueFlags.has(flag))
      throw new HubError('HUB_ERR_USAGE', `unknown option ${flag} (see hearth --help)`)
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i]
    if (value === undefined) throw new HubError('HUB_ERR_USAGE', `${flag} needs a value`)
    if (CONFIG_FLAGS.has(flag) || flag === '--config') out.configFlags[flag] = value
    else (out.options[flag] ??= []).push(value)
  }
  return out
}

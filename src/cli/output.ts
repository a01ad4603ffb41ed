import { toHubError } from '../core/errors.js'

/** Where CLI output goes; injectable so tests can capture it. */
export interface Io {
  out(text: string): void
  err(text: string): void
}

export const processIo: Io = {
  out: (t) => void process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
  err: (t) => void process.stderr.write(t.endsWith('\n') ? t : t + '\n'),
}

/** Prints an error as one line (and as JSON on stdout with --json); returns the exit code. */
export function reportError(io: Io, err: unknown, json: boolean): number {
  const e = toHubError(err)
  const message = e.message.split('\n')[0]!
  io.err(`hearth: ${message}`)
  if (json) io.out(JSON.stringify({ error: { code: e.code, message } }))
  return e.exitCode
}

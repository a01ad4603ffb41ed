import path from 'node:path'
import { createInterface } from 'node:readline'
import { adminCall } from '../admin/client.js'
import { SOCKET_NAME } from '../admin/protocol.js'
import type { Config } from '../core/config-schema.js'
import { HubError } from '../core/errors.js'
import type { Io } from './output.js'

/** Reads lines from stdin (prompting on stderr when a person is typing). */
export async function ask(questions: string[]): Promise<string[]> {
  const rl = createInterface({ input: process.stdin, terminal: false })
  const it = rl[Symbol.asyncIterator]()
  const answers: string[] = []
  for (const q of questions) {
    if (process.stdin.isTTY) process.stderr.write(q)
    const next = await it.next()
    if (next.done) break
    answers.push(String(next.value).trim())
  }
  rl.close()
  return answers
}

/**
 * `hearth owner reset`: on the box, the setup code (from the label or `hearth setup-code`… which
 * only the hub's user can run) sets a new owner password. The owner is never locked out for good.
 * Reads the setup code and the new password from stdin, one per line.
 */
export async function owner(config: Config, args: { positional: string[] }, json: boolean, io: Io): Promise<void> {
  if (args.positional[0] !== 'reset') throw new HubError('HUB_ERR_USAGE', 'usage: hearth owner reset (reads the setup code and a new password from stdin)')
  const [setupCode, password] = await ask(['Setup code: ', 'New password (12+ characters): '])
  if (!setupCode || !password) throw new HubError('HUB_ERR_USAGE', 'owner reset needs the setup code and a new password on stdin, one per line')
  await adminCall(path.join(config.dataDir, SOCKET_NAME), 'owner.reset', { setupCode, password })
  io.out(json ? JSON.stringify({ reset: true }) : 'owner password reset; every web session was ended')
}

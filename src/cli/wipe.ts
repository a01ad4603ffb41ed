import path from 'node:path'
import { adminCall } from '../admin/client.js'
import { SOCKET_NAME } from '../admin/protocol.js'
import type { Config } from '../core/config-schema.js'
import { HubError } from '../core/errors.js'
import type { WipeReceipt } from '../privacy/wipe-files.js'
import type { Io } from './output.js'

/**
 * `hearth wipe --yes`: factory wipe of the running hub (on the box, as the hub's user). Asks the
 * hub to commit the wipe, then waits for it to come back in first-run state and prints the receipt.
 */
export async function wipe(config: Config, args: { options: Record<string, string[]> }, json: boolean, io: Io): Promise<void> {
  if (!args.options['--yes'])
    throw new HubError('HUB_ERR_USAGE', 'hearth wipe erases every personal data and secret on this hub and cannot be undone: run it with --yes')
  const sock = path.join(config.dataDir, SOCKET_NAME)
  const { startedAt } = (await adminCall(sock, 'wipe', { yes: true })) as { startedAt: string }
  const deadline = Date.now() + 60_000
  for (;;) {
    await new Promise((r) => setTimeout(r, 200))
    try {
      const r = (await adminCall(sock, 'wipe.receipt', {}, 2000)) as WipeReceipt
      if (r.startedAt === startedAt) {
        const e = r.erased
        return io.out(
          json
            ? JSON.stringify(r)
            : [
                `factory wipe complete (${r.finishedAt})`,
                `  erased: data key, ${e.files} files; owner ${e.owner ? 'account' : '(none)'}, ${e.devices} devices, ${e.accounts} accounts, ${e.historyPoints} history points, ${e.retainedMessages} retained messages, ${e.consents} consent records, ${e.sessions} sessions`,
                `  made anew: ${r.regenerated.join(', ')}`,
                '  the hub is in first-run state: `hearth setup-code` shows the new setup code',
              ].join('\n'),
        )
      }
    } catch (err) {
      if (!(err instanceof HubError) || !['HUB_ERR_NOT_RUNNING', 'HUB_ERR_ADMIN_PROTOCOL', 'HUB_ERR_NOT_FOUND'].includes(err.code)) throw err
    }
    if (Date.now() > deadline) throw new HubError('HUB_ERR_NOT_RUNNING', 'the wipe was committed but the hub did not come back within 60 s: it finishes the wipe at its next start')
  }
}

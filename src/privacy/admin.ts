import { Type } from '@sinclair/typebox'
import { HubError } from '../core/errors.js'
import type { AdminMethod } from '../admin/server.js'
import type { WipeReceipt } from './wipe-files.js'
import type { WipeTrigger } from './wipe.js'

/** `hearth wipe --yes` and its receipt, over the admin socket (root-only, on the box). */
export function privacyAdminMethods(deps: { wipe: WipeTrigger; receipt: () => Promise<WipeReceipt | null>; pending: () => boolean }): Record<string, AdminMethod> {
  return {
    wipe: {
      params: Type.Object({ yes: Type.Literal(true) }, { additionalProperties: false }),
      handler: async () => deps.wipe('cli'),
    },
    'wipe.receipt': {
      params: Type.Object({}, { additionalProperties: false }),
      handler: async () => {
        if (deps.pending()) throw new HubError('HUB_ERR_NOT_RUNNING', 'the wipe is still being finished')
        const r = await deps.receipt()
        if (!r) throw new HubError('HUB_ERR_NOT_FOUND', 'this hub has not been wiped')
        return r
      },
    },
  }
}

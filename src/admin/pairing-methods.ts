import { Type } from '@sinclair/typebox'
import type { RunningZigbee } from '../drivers/zigbee/assemble.js'
import { MAX_PAIRING_SECONDS } from '../pairing/pairing.js'
import type { AdminMethod } from './server.js'

/** `hearth pair`: open a pairing window (or close it), see the countdown and security events. */
export function pairingMethods(zigbee: RunningZigbee): Record<string, AdminMethod> {
  return {
    'pairing.open': {
      params: Type.Object({ seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAIRING_SECONDS })) }, { additionalProperties: false }),
      handler: async (p: { seconds?: number }) => zigbee.pairing.open(p.seconds),
    } as AdminMethod,
    'pairing.close': { params: Type.Object({}, { additionalProperties: false }), handler: async () => zigbee.pairing.close() } as AdminMethod,
    'pairing.status': {
      params: Type.Object({}, { additionalProperties: false }),
      handler: async () => ({ ...zigbee.pairing.status(), securityEvents: zigbee.events.list() }),
    } as AdminMethod,
    'pairing.installCode': {
      params: Type.Object(
        { ieee: Type.String({ minLength: 16, maxLength: 23 }), code: Type.String({ minLength: 1, maxLength: 64 }) },
        { additionalProperties: false },
      ),
      handler: async (p: { ieee: string; code: string }) => (await zigbee.addInstallCode(p.ieee, p.code), { registered: true }),
    } as AdminMethod,
  }
}

import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { HubError } from '../../core/errors.js'
import { MAX_PAIRING_SECONDS } from '../../pairing/pairing.js'
import { errors } from '../schemas.js'
import type { WebDeps } from '../context.js'

const Status = Type.Object(
  {
    available: Type.Boolean(),
    online: Type.Boolean(),
    open: Type.Boolean(),
    remainingSeconds: Type.Integer({ minimum: 0, maximum: MAX_PAIRING_SECONDS }),
    seconds: Type.Integer({ minimum: 0, maximum: MAX_PAIRING_SECONDS }),
  },
  { additionalProperties: false },
)

/**
 * Zigbee pairing: `POST /api/v1/pairing {seconds}` opens a window (1–254 s; never "forever"),
 * `DELETE` closes it, `GET` is the countdown the UI shows. Owner session + CSRF (server guard).
 */
export function pairingRoutes(app: FastifyInstance, deps: WebDeps): void {
  const pairing = () => {
    if (!deps.pairing) throw new HubError('HUB_ERR_CONFLICT', 'Zigbee is not set up on this hub: configure zigbee.port with a coordinator stick')
    return deps.pairing
  }
  app.get('/api/v1/pairing', { schema: { response: { 200: Status, ...errors } } }, async () => pairing().status())
  app.post(
    '/api/v1/pairing',
    {
      schema: {
        body: Type.Object({ seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAIRING_SECONDS })) }, { additionalProperties: false }),
        response: { 200: Status, ...errors },
      },
    },
    async (req) => pairing().open((req.body as { seconds?: number } | undefined)?.seconds),
  )
  app.delete('/api/v1/pairing', { schema: { response: { 200: Status, ...errors } } }, async () => pairing().close())
}

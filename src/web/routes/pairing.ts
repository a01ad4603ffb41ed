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
  app.post(
    '/api/v1/pairing/install-codes',
    {
      schema: {
        body: Type.Object(
          { ieee: Type.String({ minLength: 16, maxLength: 23, pattern: '^(0x)?[0-9A-Fa-f:-]+$' }), code: Type.String({ minLength: 1, maxLength: 64 }) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ registered: Type.Boolean() }, { additionalProperties: false }), ...errors },
      },
    },
    async (req, reply) => {
      const b = req.body as { ieee: string; code: string }
      if (!deps.installCode) throw new HubError('HUB_ERR_CONFLICT', 'Zigbee is not set up on this hub: configure zigbee.port with a coordinator stick')
      await deps.installCode(b.ieee, b.code)
      return reply.code(201).send({ registered: true })
    },
  )
  app.delete('/api/v1/pairing', { schema: { response: { 200: Status, ...errors } } }, async () => pairing().close())
}

import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { HubError } from '../../core/errors.js'
import type { EnableRequest, UplinkStatus } from '../../uplink/service.js'
import { Empty, errors } from '../schemas.js'

/** What the uplink routes need; the hub passes its UplinkService. */
export interface UplinkApi {
  status(): UplinkStatus
  enable(req: EnableRequest, by: string): Promise<UplinkStatus>
  disable(by: string): Promise<UplinkStatus>
}

const Nullable = <T extends ReturnType<typeof Type.Integer | typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])
export const UplinkStatusSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    configured: Type.Boolean(),
    url: Type.String(),
    topics: Type.Array(Type.String()),
    remotePrefix: Type.String(),
    consent: Type.Union([Type.Object({ by: Type.String(), atWall: Type.String(), wallClock: Type.String() }, { additionalProperties: false }), Type.Null()]),
    connection: Type.Object(
      {
        state: Type.String(),
        attempts: Type.Integer(),
        nextAttemptInMs: Nullable(Type.Integer()),
        connectedForMs: Nullable(Type.Integer()),
        lastError: Nullable(Type.String()),
      },
      { additionalProperties: false },
    ),
    queue: Type.Object(
      {
        messages: Type.Integer(),
        bytes: Type.Integer(),
        maxMessages: Type.Integer(),
        maxBytes: Type.Integer(),
        dropped: Type.Integer(),
        sent: Type.Integer(),
        persistedAgoMs: Nullable(Type.Integer()),
      },
      { additionalProperties: false },
    ),
    commands: Type.Object({ accepted: Type.Integer(), refused: Type.Integer() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
)

export const UplinkEnableBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 128 }),
    password: Type.String({ minLength: 1, maxLength: 512 }),
    ca: Type.Optional(Type.String({ maxLength: 32768 })),
  },
  { additionalProperties: false },
)

/** The optional uplink: status for anyone signed in; enable/disable are the owner's (CSRF-guarded). */
export function uplinkRoutes(app: FastifyInstance, uplink: UplinkApi | undefined): void {
  const get = () => {
    if (!uplink) throw new HubError('HUB_ERR_NOT_RUNNING', 'the uplink is not part of this hub')
    return uplink
  }
  app.get('/api/v1/uplink', { schema: { response: { 200: UplinkStatusSchema, ...errors } } }, async () => get().status())
  app.post('/api/v1/uplink/enable', { schema: { body: UplinkEnableBody, response: { 200: UplinkStatusSchema, ...errors } } }, async (req) =>
    get().enable(req.body as EnableRequest, `owner (web, session ${req.session?.name ?? 'owner'})`),
  )
  app.post('/api/v1/uplink/disable', { schema: { body: Empty, response: { 200: UplinkStatusSchema, ...errors } } }, async (req) =>
    get().disable(`owner (web, session ${req.session?.name ?? 'owner'})`),
  )
}

import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { HubError } from '../../core/errors.js'
import { validateCommand, type DeviceKind } from '../../policy/device-kinds.js'
import { DEVICE_RECONNECT } from '../../policy/backoff.js'
import type { AccountView } from '../../devices/accounts.js'
import { Device, DeviceId, Empty, errors, Name } from '../schemas.js'
import type { WebDeps } from '../context.js'

const NewDevice = Type.Object({ name: Name, kind: Type.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: false })
export const ReconnectAdvice = Type.Object(
  { mode: Type.String(), baseMs: Type.Integer(), capMs: Type.Integer(), resetAfterMs: Type.Integer() },
  { additionalProperties: false },
)
const Credentials = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    kind: Type.String(),
    token: Type.String(),
    mqtt: Type.Object(
      {
        host: Type.String(),
        port: Type.Integer(),
        username: Type.String(),
        clientId: Type.String(),
        stateTopic: Type.String(),
        commandTopic: Type.String(),
        availabilityTopic: Type.String(),
        caFingerprint: Type.String(),
        ca: Type.String(),
      },
      { additionalProperties: false },
    ),
    /** How the device should reconnect after a drop (docs/device-makers.md). */
    reconnect: ReconnectAdvice,
  },
  { additionalProperties: false },
)

/** Wi-Fi/MQTT devices: list, add (credentials shown once), rename, rotate, remove. */
export function deviceRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { accounts, states } = deps
  const present = (a: AccountView) => ({
    id: a.username, name: a.name, kind: a.kind ?? 'unknown', createdAt: a.createdAt, ...states.get(a.username),
    ...(a.zigbee ? { transport: 'zigbee' as const, ieee: a.zigbee.ieee } : { transport: 'mqtt' as const }),
  })
  const find = (id: string) => {
    const a = accounts.get(id)
    if (!a || a.role !== 'device') throw new HubError('HUB_ERR_NOT_FOUND', 'no such device')
    return a
  }
  const credentials = (id: string, token: string) => {
    const a = find(id)
    const m = deps.mqtt()
    return {
      id,
      name: a.name,
      kind: a.kind ?? 'unknown',
      token,
      mqtt: {
        host: m.host,
        port: m.port,
        username: id,
        clientId: id,
        stateTopic: `hearth/${id}/state`,
        commandTopic: `hearth/${id}/set`,
        availabilityTopic: `hearth/${id}/availability`,
        caFingerprint: m.caFingerprint,
        ca: m.ca,
      },
      reconnect: { ...DEVICE_RECONNECT },
    }
  }

  app.get('/api/v1/devices', { schema: { response: { 200: Type.Object({ devices: Type.Array(Device) }, { additionalProperties: false }), ...errors } } }, async () => ({
    devices: accounts.devices().map(present),
  }))

  app.post('/api/v1/devices', { schema: { body: NewDevice, response: { 201: Credentials, ...errors } } }, async (req, reply) => {
    const body = req.body as { name: string; kind: string }
    const { id, token } = await accounts.addDevice(body.name, body.kind)
    return reply.code(201).send(credentials(id, token))
  })

  app.get('/api/v1/devices/:id', { schema: { params: DeviceId, response: { 200: Device, ...errors } } }, async (req) => present(find((req.params as { id: string }).id)))

  app.patch(
    '/api/v1/devices/:id',
    { schema: { params: DeviceId, body: Type.Object({ name: Name }, { additionalProperties: false }), response: { 200: Device, ...errors } } },
    async (req) => {
      const { id } = req.params as { id: string }
      find(id)
      return present(await accounts.rename(id, (req.body as { name: string }).name))
    },
  )

  app.delete('/api/v1/devices/:id', { schema: { params: DeviceId, response: { 204: Empty, ...errors } } }, async (req, reply) => {
    const { id } = req.params as { id: string }
    find(id)
    await deps.deleteDevice(id)
    return reply.code(204).send()
  })

  app.post('/api/v1/devices/:id/rotate', { schema: { params: DeviceId, response: { 200: Credentials, ...errors } } }, async (req) => {
    const { id } = req.params as { id: string }
    find(id)
    return credentials(id, (await accounts.rotate(id)).token)
  })

  // Commands go through the same per-kind schema as an integration's MQTT publish.
  app.post(
    '/api/v1/devices/:id/command',
    {
      schema: {
        params: DeviceId,
        body: Type.Object(
          { state: Type.Optional(Type.Union([Type.Literal('ON'), Type.Literal('OFF'), Type.Literal('TOGGLE')])), brightness: Type.Optional(Type.Integer({ minimum: 0, maximum: 254 })) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 202: Empty, ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string }
      const a = find(id)
      const payload = JSON.stringify(req.body)
      const check = validateCommand(a.kind as DeviceKind, Buffer.from(payload), 1024)
      if (!check.ok) throw new HubError('HUB_ERR_BAD_REQUEST', `a ${a.kind} device does not take that command (${check.detail})`)
      await deps.publishCommand(id, payload)
      return reply.code(202).send()
    },
  )
}

import { Type } from '@sinclair/typebox'

/** Response and body schemas shared by the routes (one schema: validation, types, OpenAPI). */
export const ErrorBody = Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: false })
export const Empty = Type.Object({}, { additionalProperties: false })
export const errors = { '4xx': ErrorBody, '5xx': ErrorBody }

export const SessionInfo = Type.Object({ name: Type.String(), csrfToken: Type.String() }, { additionalProperties: false })

export const DeviceId = Type.Object({ id: Type.String({ pattern: '^d-[a-z0-9]{1,62}$' }) }, { additionalProperties: false })

export const Device = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    kind: Type.String(),
    createdAt: Type.String(),
    state: Type.Union([Type.Record(Type.String(), Type.Union([Type.Number(), Type.Boolean(), Type.String()])), Type.Null()]),
    availability: Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Null()]),
    /** How it reaches the hub: its own MQTT login, or the hub's Zigbee radio (no token). */
    transport: Type.Optional(Type.Union([Type.Literal('mqtt'), Type.Literal('zigbee')])),
    /** A Zigbee device's IEEE address (16 hex digits). */
    ieee: Type.Optional(Type.String({ pattern: '^[0-9a-f]{16}$' })),
  },
  { additionalProperties: false },
)

export const Name = Type.String({ minLength: 1, maxLength: 64 })
export const Password = Type.String({ minLength: 1, maxLength: 256 })

import { Type, type Static } from '@sinclair/typebox'

/**
 * The admin socket's wire format: one JSON object per line, request → response.
 * A request line is at most MAX_LINE bytes; anything else is refused.
 */
export const MAX_LINE = 64 * 1024

export const AdminRequest = Type.Object(
  {
    id: Type.Integer({ minimum: 0, maximum: 2 ** 31 }),
    method: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-zA-Z.]*$' }),
    params: Type.Record(Type.String(), Type.Unknown(), { maxProperties: 32 }),
  },
  { additionalProperties: false },
)
export type AdminRequest = Static<typeof AdminRequest>

export type AdminResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number | null; ok: false; error: { code: string; message: string } }

export const SOCKET_NAME = 'hearth.sock'

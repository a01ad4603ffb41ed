import { createHash } from 'node:crypto'

/**
 * A stored document: `{ format, schema, sha256, data }`. The checksum tells a torn or bit-rotten
 * file from a valid one even when it still parses; the schema number drives migrations.
 */
export const ENVELOPE_FORMAT = 'hearth-doc/1'

export interface Envelope<T> {
  format: typeof ENVELOPE_FORMAT
  schema: number
  sha256: string
  data: T
}

export type Decoded<T> =
  | { ok: true; schema: number; data: T }
  | { ok: false; reason: string }

const digest = (json: string) => createHash('sha256').update(json).digest('hex')

export function encodeEnvelope<T>(schema: number, data: T): string {
  const json = JSON.stringify(data)
  return `{"format":"${ENVELOPE_FORMAT}","schema":${schema},"sha256":"${digest(json)}","data":${json}}\n`
}

export function decodeEnvelope<T>(text: string): Decoded<T> {
  let parsed: Partial<Envelope<T>>
  try {
    parsed = JSON.parse(text)
  } catch {
    return { ok: false, reason: 'not valid JSON (torn write?)' }
  }
  if (!parsed || typeof parsed !== 'object' || parsed.format !== ENVELOPE_FORMAT) return { ok: false, reason: 'not a Hearth document' }
  if (!Number.isInteger(parsed.schema) || typeof parsed.sha256 !== 'string') return { ok: false, reason: 'envelope fields missing' }
  if (digest(JSON.stringify(parsed.data)) !== parsed.sha256) return { ok: false, reason: 'checksum mismatch' }
  return { ok: true, schema: parsed.schema!, data: parsed.data as T }
}

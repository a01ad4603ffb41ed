import t from 'tap'
import { Ajv } from 'ajv'
import type { TSchema } from '@sinclair/typebox'
import { compile } from '../../src/core/validate.js'
import { ConfigSchema } from '../../src/core/config-schema.js'
import { DEVICE_KINDS } from '../../src/policy/device-kinds.js'
import { FirewallStateSchema } from '../../src/policy/firewall/state.js'
import { ManifestFileSchema, ManifestSchema, SignatureSchema } from '../../src/update/manifest.js'
import { SlotStateSchema } from '../../src/update/slots.js'
import { AdminRequest } from '../../src/admin/protocol.js'
import { adminMethods } from '../../src/admin/methods.js'
import { privacyAdminMethods } from '../../src/privacy/admin.js'
import { pairingMethods } from '../../src/admin/pairing-methods.js'
import { updateMethods } from '../../src/update/admin.js'
import { uplinkAdminMethods } from '../../src/uplink/admin.js'

/**
 * The hub's Ajv instances skip meta-schema validation at start (src/core/validate.ts): this is
 * where every schema the hub compiles through `compile()` is checked against the JSON Schema
 * meta-schema instead, so a malformed schema (a typo'd keyword value, a wrong type) fails here.
 */
const meta = new Ajv({ strict: false, allowUnionTypes: true })
const schemas: Record<string, TSchema> = {
  config: ConfigSchema,
  firewallState: FirewallStateSchema,
  manifest: ManifestSchema,
  manifestFile: ManifestFileSchema,
  signature: SignatureSchema,
  slotState: SlotStateSchema,
  adminRequest: AdminRequest,
}
for (const [kind, spec] of Object.entries(DEVICE_KINDS)) {
  schemas[`kind ${kind} state`] = spec.schema
  if (spec.commandSchema) schemas[`kind ${kind} command`] = spec.commandSchema
}
// Admin methods: the schemas are static; building the tables calls none of their deps.
const none = {} as never
const tables = { ...adminMethods(none), ...privacyAdminMethods(none), ...pairingMethods(none), ...updateMethods(none), ...uplinkAdminMethods(none) }
for (const [name, m] of Object.entries(tables)) schemas[`admin ${name}`] = m.params

t.test('every schema compiled by the hub is a valid JSON Schema', async (t) => {
  t.ok(Object.keys(schemas).length > 30, `${Object.keys(schemas).length} schemas`)
  for (const [name, schema] of Object.entries(schemas)) t.ok(meta.validateSchema(schema), `${name}: ${meta.errorsText(meta.errors)}`)
})

t.test('the meta-schema check can fail', async (t) => {
  t.notOk(meta.validateSchema({ type: 'integer', minimum: 'ten' }), 'minimum must be a number')
  t.notOk(meta.validateSchema({ type: 'object', required: 'name' }), 'required must be an array')
})

t.test('compile() still validates per boundary', async (t) => {
  const v = compile<{ n: number }>('payload', { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'], additionalProperties: false } as unknown as TSchema)
  t.ok(v({ n: 1 }))
  t.notOk(v({ n: '1' }), 'payloads are never coerced')
  t.notOk(v({ n: 1, x: 2 }), 'unknown fields refused, not stripped')
  const c = compile<{ a?: number }>('config', { type: 'object', properties: { a: { type: 'integer', default: 7 } } } as unknown as TSchema, { cache: false })
  const doc: { a?: number } = {}
  t.ok(c(doc))
  t.equal(doc.a, 7, 'config defaults applied')
})

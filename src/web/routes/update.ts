import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { securityTxtExpires } from '../../policy/update.js'
import { errors } from '../schemas.js'
import type { WebDeps } from '../context.js'

const Text = Type.String({ maxLength: 4000 })
const LastInstall = Type.Object(
  { ok: Type.Boolean(), version: Type.String(), fromVersion: Type.String(), at: Type.String(), reason: Type.Optional(Text) },
  { additionalProperties: false },
)
const Integrity = Type.Object(
  {
    status: Type.Union([Type.Literal('verified'), Type.Literal('unverified'), Type.Literal('failed')]),
    reason: Type.Optional(Text),
    version: Type.Optional(Type.String()),
    files: Type.Optional(Type.Integer()),
    signer: Type.Optional(Type.String()),
    problems: Type.Optional(Type.Array(Text)),
    checkedAt: Type.Optional(Type.String()),
    acknowledged: Type.Optional(Type.Boolean()),
    lockdown: Type.Boolean(),
  },
  { additionalProperties: false },
)
/** What the update page shows; the integrity field drives the UI's alert banner. */
const UpdateStatus = Type.Object(
  {
    installed: Type.Object({ version: Type.String(), slot: Type.Optional(Type.String()) }, { additionalProperties: false }),
    phase: Type.String(),
    progress: Type.Object({ done: Type.Integer(), total: Type.Integer() }, { additionalProperties: false }),
    available: Type.Optional(
      Type.Object({ version: Type.String(), notes: Text, created: Type.String(), supportEnd: Type.String(), signer: Type.String() }, { additionalProperties: false }),
    ),
    check: Type.Object(
      {
        autoCheck: Type.Boolean(),
        source: Type.String(),
        postponedUntil: Type.Optional(Type.String()),
        last: Type.Optional(Type.Object({ at: Type.String(), ok: Type.Boolean(), message: Text }, { additionalProperties: false })),
        nextAt: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
    lastInstall: Type.Optional(LastInstall),
    lastError: Type.Optional(Type.Object({ at: Type.String(), message: Text }, { additionalProperties: false })),
    canInstall: Type.Boolean(),
    integrity: Integrity,
  },
  { additionalProperties: false },
)

/**
 * Updates (EN 303 645 5.3) and software integrity (5.7) for the owner, and the disclosure
 * contact for everyone (5.2-1, RFC 9116).
 */
export function updateRoutes(app: FastifyInstance, deps: WebDeps): void {
  const u = deps.update
  if (u) {
    const status = () => ({ ...u.service.status(), integrity: u.integrity.status() })
    app.get('/api/v1/update', { schema: { response: { 200: UpdateStatus, ...errors } } }, async () => status())
    // A check (a download) or an install can outlast a request: both start and answer 202 with
    // the status; the UI follows `phase`/`progress`, and a failure shows as `lastError`.
    app.post('/api/v1/update/check', { schema: { response: { 202: UpdateStatus, ...errors } } }, async (_req, reply) => {
      u.service.begin('check')
      return reply.code(202).send(status())
    })
    app.post(
      '/api/v1/update/apply',
      { schema: { body: Type.Object({ allowDowngrade: Type.Optional(Type.Boolean()) }, { additionalProperties: false }), response: { 202: UpdateStatus, ...errors } } },
      async (req, reply) => {
        u.service.begin('apply', { allowDowngrade: (req.body as { allowDowngrade?: boolean }).allowDowngrade ?? false })
        return reply.code(202).send(status())
      },
    )
    app.put(
      '/api/v1/update/settings',
      {
        schema: {
          body: Type.Object({ autoCheck: Type.Optional(Type.Boolean()), postponeDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 90 })) }, { additionalProperties: false, minProperties: 1 }),
          response: { 200: UpdateStatus, ...errors },
        },
      },
      async (req) => (await u.service.settings(req.body as { autoCheck?: boolean; postponeDays?: number }), status()),
    )
    app.post('/api/v1/integrity/acknowledge', { schema: { response: { 200: Integrity, ...errors } } }, async () => u.integrity.acknowledge())
  }

  // RFC 9116: served to everyone, plain text, Expires computed when served and never past the
  // end of the support period (after it, no more fixes are promised for this release).
  app.get('/.well-known/security.txt', { config: { access: 'public' } }, async (req, reply) => {
    const supportEnd = deps.securityTxt?.supportEnd ?? deps.about().supportEnd
    const expires = securityTxtExpires(deps.clock.wallMs(), supportEnd) ?? `${supportEnd}T23:59:59Z`
    const host = typeof req.headers.host === 'string' && /^[A-Za-z0-9.:[\]-]{1,255}$/.test(req.headers.host) ? req.headers.host : 'localhost'
    const body = [
      '# Hearth smart-home hub: how to report a security problem (RFC 9116).',
      'Contact: mailto:security@hearth.invalid',
      'Contact: https://github.com/hearth-hub/hearth/security/advisories/new',
      `Expires: ${expires}`,
      'Policy: https://github.com/hearth-hub/hearth/blob/main/SECURITY.md',
      'Preferred-Languages: en, de',
      `Canonical: https://${host}/.well-known/security.txt`,
      '',
    ].join('\n')
    return reply.type('text/plain; charset=utf-8').header('cache-control', 'no-cache').send(body)
  })
}

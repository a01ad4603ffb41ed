import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { HubError } from '../../core/errors.js'
import { PURPOSE, type ConsentLedgerLike } from '../../privacy/consent.js'
import type { StateHistory } from '../../privacy/history.js'
import { DATA_INVENTORY } from '../../privacy/inventory.js'
import type { PersonalData } from '../../privacy/personal-data.js'
import type { WipeReceipt } from '../../privacy/wipe-files.js'
import type { WipeTrigger } from '../../privacy/wipe.js'
import { cookieToken, type WebDeps } from '../context.js'
import { DeviceId, Empty, errors, Password } from '../schemas.js'

/** What the privacy routes use (built by the composition root). */
export interface PrivacyWebDeps {
  personal: PersonalData
  consent: ConsentLedgerLike
  history: StateHistory
  wipe: { request: WipeTrigger; receipt(): Promise<WipeReceipt | null> }
  historyDays: number
}

const Str = Type.String()
const Item = Type.Object(
  { id: Str, title: Str, what: Str, where: Str, purpose: Str, retention: Str, leavesHome: Str, wipe: Str },
  { additionalProperties: false },
)
const Consent = Type.Object({ purpose: Str, granted: Type.Boolean(), detail: Str, by: Str, at: Str }, { additionalProperties: false })
const Counts = {
  owner: Type.Boolean(),
  devices: Type.Integer(),
  accounts: Type.Integer(),
  historyPoints: Type.Integer(),
  retainedMessages: Type.Integer(),
  consents: Type.Integer(),
  sessions: Type.Integer(),
}
const Receipt = Type.Object(
  {
    startedAt: Str,
    finishedAt: Str,
    source: Str,
    erased: Type.Object({ ...Counts, dataKey: Type.Boolean(), files: Type.Integer(), bytes: Type.Integer() }, { additionalProperties: false }),
    participants: Type.Array(Str),
    regenerated: Type.Array(Str),
  },
  { additionalProperties: false },
)
const Overview = Type.Object(
  {
    inventory: Type.Array(Item),
    historyDays: Type.Integer(),
    history: Type.Object({ devices: Type.Integer(), points: Type.Integer() }, { additionalProperties: false }),
    consents: Type.Array(Consent),
    lastWipe: Type.Union([Receipt, Type.Null()]),
  },
  { additionalProperties: false },
)
const StateValue = Type.Record(Type.String(), Type.Union([Type.Number(), Type.Boolean(), Type.String()]))
const Point = Type.Object({ at: Str, state: StateValue }, { additionalProperties: false })
const Export = Type.Object(
  {
    format: Type.Literal('hearth-export/1'),
    exportedAt: Str,
    owner: Type.Union([Type.Object({ name: Str, claimedAt: Str, passwordChangedAt: Str }, { additionalProperties: false }), Type.Null()]),
    devices: Type.Array(
      Type.Object(
        {
          id: Str,
          name: Str,
          kind: Str,
          createdAt: Str,
          tokenChangedAt: Type.Optional(Str),
          state: Type.Union([StateValue, Type.Null()]),
          availability: Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Null()]),
          history: Type.Array(Point),
        },
        { additionalProperties: false },
      ),
    ),
    accounts: Type.Array(Type.Object({ name: Str, role: Str, createdAt: Str }, { additionalProperties: false })),
    consents: Type.Object({ current: Type.Array(Consent), history: Type.Array(Consent) }, { additionalProperties: false }),
    inventory: Type.Array(Item),
  },
  { additionalProperties: false },
)
const WipeBody = Type.Object({ password: Password, confirm: Type.Literal(true) }, { additionalProperties: false })

/**
 * The owner's privacy controls (EN 303 645 5.11, clause 6): the inventory, export, per-device
 * history, consents, and the factory wipe with its receipt.
 */
export function privacyRoutes(app: FastifyInstance, deps: WebDeps): void {
  const p = deps.privacy
  const { owner, throttle, clock } = deps

  app.get('/api/v1/privacy', { schema: { response: { 200: Overview, ...errors } } }, async () => ({
    inventory: [...DATA_INVENTORY],
    historyDays: p.historyDays,
    history: p.history.stats(),
    consents: p.consent.list(),
    lastWipe: await p.wipe.receipt(),
  }))

  app.get('/api/v1/privacy/export', { schema: { response: { 200: Export, ...errors } } }, async (_req, reply) => {
    void reply.header('content-disposition', 'attachment; filename="hearth-export.json"')
    return p.personal.export()
  })

  app.get(
    '/api/v1/devices/:id/history',
    {
      schema: {
        params: DeviceId,
        querystring: Type.Object({ hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 366 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ id: Str, points: Type.Array(Point) }, { additionalProperties: false }), ...errors },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string }
      const a = deps.accounts.get(id)
      if (!a || a.role !== 'device') throw new HubError('HUB_ERR_NOT_FOUND', 'no such device')
      const hours = (req.query as { hours?: number }).hours ?? 24
      const since = clock.wallMs() - hours * 3_600_000
      return { id, points: p.history.get(id, since).map((x) => ({ at: new Date(x.at).toISOString(), state: x.state })) }
    },
  )

  // Withdrawing consent stops the flow at once (the ledger tells the feature before it writes).
  app.delete(
    '/api/v1/privacy/consents/:purpose',
    { schema: { params: Type.Object({ purpose: Type.String({ pattern: PURPOSE.source }) }, { additionalProperties: false }), response: { 204: Empty, ...errors } } },
    async (req, reply) => {
      await p.consent.withdraw((req.params as { purpose: string }).purpose, 'owner')
      return reply.code(204).send()
    },
  )

  // The one-tap factory wipe: the owner's password again, and an explicit confirm (EN 303 645 5.11-1).
  app.post('/api/v1/wipe', { schema: { body: WipeBody, response: { 202: Type.Object({ startedAt: Str }, { additionalProperties: false }), ...errors } } }, async (req, reply) => {
    const d = throttle.check(req.ip, clock.monotonicMs())
    if (!d.allow) {
      void reply.header('retry-after', String(Math.ceil(d.retryAfterMs / 1000)))
      return reply.code(429).send({ code: 'HUB_ERR_RATE_LIMITED', message: `too many attempts: try again in ${Math.ceil(d.retryAfterMs / 1000)} s` })
    }
    if (!(await owner.verify(undefined, (req.body as { password: string }).password))) {
      throttle.failed(req.ip, clock.monotonicMs())
      throw new HubError('HUB_ERR_FORBIDDEN', 'the password is not right: nothing was wiped')
    }
    throttle.succeeded(req.ip)
    return reply.code(202).send(await p.wipe.request('web'))
  })

  // The receipt holds no personal data; it is shown to anyone while the hub is unclaimed (right
  // after the wipe), and to the owner only once it is claimed again.
  app.get('/api/v1/wipe/receipt', { config: { access: 'public' }, schema: { response: { 200: Receipt, ...errors } } }, async (req) => {
    if (owner.claimed && !deps.sessions.get(cookieToken(req))) throw new HubError('HUB_ERR_UNAUTHORIZED', 'log in first')
    const r = await p.wipe.receipt()
    if (!r) throw new HubError('HUB_ERR_NOT_FOUND', 'this hub has not been wiped')
    return r
  })
}

import { Type } from '@sinclair/typebox'
import { HubError } from '../core/errors.js'
import type { AccountService } from '../devices/accounts.js'
import type { OwnerService } from '../owner/owner.js'
import { DEVICE_KINDS } from '../policy/device-kinds.js'
import { DEVICE_RECONNECT } from '../policy/backoff.js'
import type { AdminMethod } from './server.js'

const Empty = Type.Object({}, { additionalProperties: false })
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false })
const Filters = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 32 })

/** The admin socket's methods (what `hearth` can ask the running hub), each with its schema. */
export function adminMethods(deps: {
  status: () => unknown
  setupCode: () => string
  claimed: () => boolean
  accounts: AccountService
  owner: OwnerService
  onOwnerReset?: () => void
  policy?: () => unknown
  /** Deletes a device with everything about it (src/privacy); default: its account only. */
  deleteDevice?: (id: string) => Promise<void>
}): Record<string, AdminMethod> {
  const { accounts } = deps
  const m = <P>(params: ReturnType<typeof Type.Object>, handler: (p: P) => Promise<unknown>): AdminMethod<P> => ({ params, handler })
  return {
    status: m(Empty, async () => deps.status()),
    setupCode: m(Empty, async () => {
      if (deps.claimed()) throw new HubError('HUB_ERR_CLAIMED', 'this hub is claimed: its setup code no longer works')
      return { setupCode: deps.setupCode() }
    }),
    // On-the-box recovery: whoever holds the setup code (the label, or `hearth setup-code` as the
    // hub's user) can set a new owner password; web sessions end.
    'owner.reset': m<{ setupCode: string; password: string }>(
      Type.Object({ setupCode: Type.String({ minLength: 1, maxLength: 32 }), password: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false }),
      async (p) => {
        await deps.owner.reset(p.setupCode, p.password)
        deps.onOwnerReset?.()
        return { reset: true }
      },
    ),
    'policy.show': m(Empty, async () => {
      const p = deps.policy?.()
      if (p === undefined) throw new HubError('HUB_ERR_NOT_RUNNING', 'the firewall is not started yet')
      return p
    }),
    'device.kinds': m(Empty, async () =>
      Object.entries(DEVICE_KINDS).map(([kind, spec]) => ({ kind, description: spec.description, fields: Object.keys((spec.schema as { properties: object }).properties) })),
    ),
    'device.add': m<{ name: string; kind: string }>(
      Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }), kind: Type.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: false }),
      async (p) => ({ ...(await accounts.addDevice(p.name, p.kind)), reconnect: { ...DEVICE_RECONNECT } }),
    ),
    'device.list': m(Empty, async () => accounts.devices()),
    'device.remove': m<{ id: string }>(Id, async (p) => {
      onlyRole(accounts, p.id, 'device')
      await (deps.deleteDevice ?? ((id: string) => accounts.remove(id)))(p.id)
      return { removed: p.id }
    }),
    'device.rotate': m<{ id: string }>(Id, async (p) => {
      onlyRole(accounts, p.id, 'device')
      const r = await accounts.rotate(p.id)
      return { id: r.username, token: r.token }
    }),
    'account.add': m<{ name: string; role: 'integration' | 'custom'; allowPub?: string[]; allowSub?: string[]; denyPub?: string[]; denySub?: string[] }>(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 32 }),
          role: Type.Union([Type.Literal('integration'), Type.Literal('custom')]),
          allowPub: Type.Optional(Filters),
          allowSub: Type.Optional(Filters),
          denyPub: Type.Optional(Filters),
          denySub: Type.Optional(Filters),
        },
        { additionalProperties: false },
      ),
      async (p) => {
        const custom = { pub: { allow: p.allowPub ?? [], deny: p.denyPub ?? [] }, sub: { allow: p.allowSub ?? [], deny: p.denySub ?? [] } }
        const hasGrants = [p.allowPub, p.allowSub, p.denyPub, p.denySub].some((g) => g && g.length > 0)
        if (p.role === 'integration' && hasGrants) throw new HubError('HUB_ERR_BAD_REQUEST', 'grants are only for --role custom')
        return accounts.addAccount(p.name, p.role, p.role === 'custom' ? custom : undefined)
      },
    ),
    'account.list': m(Empty, async () => accounts.list().filter((a) => a.role !== 'device')),
    'account.remove': m<{ id: string }>(Id, async (p) => (await removeOf(accounts, p.id, 'account'), { removed: p.id })),
    'account.rotate': m<{ id: string }>(Id, async (p) => {
      onlyRole(accounts, p.id, 'account')
      return accounts.rotate(p.id)
    }),
  }
}

function onlyRole(accounts: AccountService, id: string, want: 'device' | 'account'): void {
  const a = accounts.get(id)
  if (!a || (want === 'device') !== (a.role === 'device')) throw new HubError('HUB_ERR_NOT_FOUND', `no ${want} ${id}`)
}

async function removeOf(accounts: AccountService, id: string, want: 'device' | 'account'): Promise<void> {
  onlyRole(accounts, id, want)
  await accounts.remove(id)
}

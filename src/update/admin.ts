import path from 'node:path'
import { Type } from '@sinclair/typebox'
import type { AdminMethod } from '../admin/server.js'
import type { UpdateParts } from './assemble.js'

const Empty = Type.Object({}, { additionalProperties: false })

/** `hearth update …` on the box, over the admin socket (root/hub user only). */
export function updateMethods(u: UpdateParts): Record<string, AdminMethod> {
  const m = <P>(params: ReturnType<typeof Type.Object>, handler: (p: P) => Promise<unknown>): AdminMethod<P> => ({ params, handler })
  return {
    'update.status': m(Empty, async () => ({ ...u.service.status(), integrity: u.integrity.status() })),
    'update.check': m(Empty, async () => u.service.check()),
    'update.apply': m<{ bundle?: string; allowDowngrade?: boolean }>(
      Type.Object({ bundle: Type.Optional(Type.String({ minLength: 2, maxLength: 1024, pattern: '^/' })), allowDowngrade: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      async (p) => u.service.apply({ ...(p.bundle ? { file: path.normalize(p.bundle) } : {}), allowDowngrade: p.allowDowngrade ?? false }),
    ),
    'update.settings': m<{ autoCheck?: boolean; postponeDays?: number }>(
      Type.Object({ autoCheck: Type.Optional(Type.Boolean()), postponeDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 90 })) }, { additionalProperties: false }),
      async (p) => u.service.settings(p),
    ),
    'integrity.acknowledge': m(Empty, async () => u.integrity.acknowledge()),
  }
}

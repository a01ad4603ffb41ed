import { Type } from '@sinclair/typebox'
import type { AdminMethod } from '../admin/server.js'
import type { UplinkApi } from '../web/routes/uplink.js'
import { UplinkEnableBody } from '../web/routes/uplink.js'

const Empty = Type.Object({}, { additionalProperties: false })

/** `hearth uplink status|enable|disable` over the admin socket (root-only: the owner on the box). */
export function uplinkAdminMethods(uplink: UplinkApi): Record<string, AdminMethod> {
  return {
    'uplink.status': { params: Empty, handler: async () => uplink.status() },
    'uplink.enable': {
      params: UplinkEnableBody,
      handler: async (p) => uplink.enable(p as { username: string; password: string; ca?: string }, 'owner (admin socket, local CLI)'),
    },
    'uplink.disable': { params: Empty, handler: async () => uplink.disable('owner (admin socket, local CLI)') },
  }
}

import { createServer, type Server } from 'node:net'

/**
 * `n` distinct TCP ports free on 127.0.0.1 right now, for a process started a moment later.
 * All `n` are held open until the last is bound, so the kernel cannot hand out one port twice:
 * asking for one port at a time, closing each before the next, once returned 44021 twice
 * (qemu then refused its second host-forwarding rule on that port). Another process may still
 * take a port between this and its use; callers that can tell should pick again (startVm does).
 */
export async function freePorts(n: 2): Promise<[number, number]>
export async function freePorts(n: number): Promise<number[]>
export async function freePorts(n: number): Promise<number[]> {
  const held: Server[] = []
  try {
    for (let i = 0; i < n; i++) {
      const s = createServer()
      held.push(s)
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject)
        s.listen(0, '127.0.0.1', resolve)
      })
    }
    return held.map((s) => (s.address() as { port: number }).port)
  } finally {
    await Promise.all(held.map((s) => new Promise((r) => (s.listening ? s.close(r) : r(undefined)))))
  }
}

/** One TCP port free on 127.0.0.1 right now (nothing listens on it once this resolves). */
export const freePort = async (): Promise<number> => (await freePorts(1))[0]!

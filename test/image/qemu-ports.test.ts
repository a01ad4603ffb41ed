import t from 'tap'
import { rmSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import path from 'node:path'
import { tmpDir } from '../helpers/hub-process.js'
import { freePorts } from '../helpers/ports.js'
import { requireQemu, startVm, type VmOptions } from './qemu.js'

/**
 * startVm's port handling with a real qemu-system-aarch64 and no image: a kernel of zeros keeps
 * the emulator running (the guest spins on undefined instructions), which is all the host-side
 * forwarding needs. The boot tests (npm run test:image) use the same startVm.
 */
requireQemu()
const dir = tmpDir()
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
for (const f of ['kernel', 'initrd', 'disk']) writeFileSync(path.join(dir, f), Buffer.alloc(64 * 1024))
const base: VmOptions = {
  disk: path.join(dir, 'disk'),
  boot: { kernel: path.join(dir, 'kernel'), initrd: path.join(dir, 'initrd'), cmdline: 'quiet', dtb: () => '' },
  consoleLog: path.join(dir, 'console.log'),
  forward: [22, 8443, 8883],
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)))
    s.once('error', () => resolve(false))
  })

t.test('each forwarded guest port gets its own host port, and qemu is listening on all of them', async (t) => {
  const vm = await startVm(base)
  t.teardown(() => vm.kill())
  const ports = Object.values(vm.ports)
  t.same(Object.keys(vm.ports), ['22', '8443', '8883'])
  t.equal(new Set(ports).size, 3, `three distinct host ports: ${ports.join(' ')}`)
  t.notOk(vm.exited(), 'qemu runs')
  for (const p of ports) t.ok(await accepts(p), `127.0.0.1:${p} accepts a connection (qemu's forward)`)
})

t.test('a host port taken before qemu binds it: qemu is started again on new ports', async (t) => {
  const squatter = createServer()
  await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r))
  t.teardown(() => squatter.close())
  const taken = (squatter.address() as { port: number }).port
  let picks = 0
  const vm = await startVm({ ...base, pickPorts: async (n) => (++picks === 1 ? [taken, ...(await freePorts(n - 1))] : freePorts(n)) })
  t.teardown(() => vm.kill())
  t.equal(picks, 2, 'picked twice: the first qemu could not bind the taken port')
  t.notOk(Object.values(vm.ports).includes(taken), `the taken port ${taken} is not used`)
  t.notOk(vm.exited(), 'the second qemu runs')
})

t.test('a port that stays taken: startVm gives up after three tries and says why', async (t) => {
  const squatter = createServer()
  await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r))
  t.teardown(() => squatter.close())
  const taken = (squatter.address() as { port: number }).port
  let picks = 0
  await t.rejects(
    startVm({ ...base, pickPorts: async (n) => (picks++, [taken, ...(await freePorts(n - 1))]) }),
    /could not forward its ports in 3 tries[\s\S]*Could not set up host forwarding rule/,
  )
  t.equal(picks, 3)
})

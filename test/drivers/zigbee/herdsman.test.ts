import path from 'node:path'
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { Controller, setLogger } from 'zigbee-herdsman'
import { simOnTcp, waitFor } from '../../helpers/zigbee.js'
import { tmpDir } from '../../helpers/hub-process.js'

// Cross-check (issue 5 item 9): an independent host implementation, zigbee-herdsman 10.9.5 with
// its Z-Stack adapter, over tcp:// (no DTR/RTS toggling), must bring up a network on the
// simulator, see a simulated device join and decode its temperature report. If herdsman accepts
// the simulator, the simulator is not just agreeing with our own driver's mistakes.

t.test('zigbee-herdsman (zstack) on the simulator', async (t) => {
  const logs: string[] = []
  const keep = (level: string) => (msg: string | (() => string), ns: string) => logs.push(`${level} ${ns}: ${typeof msg === 'function' ? msg() : msg}`)
  setLogger({ debug: keep('debug'), info: keep('info'), warning: keep('warning'), error: keep('error') })
  const { sim, url } = await simOnTcp(t)
  const dir = tmpDir('hearth-herdsman-')
  const controller = new Controller({
    network: { panID: 0x1a62, extendedPanID: [...randomBytes(8)], channelList: [15], networkKey: [...randomBytes(16)] },
    serialPort: { path: url, adapter: 'zstack' },
    databasePath: path.join(dir, 'database.db'),
    databaseBackupPath: path.join(dir, 'database.db.backup'),
    backupPath: undefined as unknown as string,
    adapter: { disableLED: true, concurrent: 2 },
    acceptJoiningDeviceHandler: async () => true,
  } as ConstructorParameters<typeof Controller>[0])
  t.teardown(async () => {
    await controller.stop().catch(() => undefined)
    if (t.passing() === false) console.error(logs.slice(-60).join('\n'))
  })
  const result = await controller.start()
  t.equal(result, 'reset', 'herdsman commissioned a new network')
  t.equal(sim.counters.formations, 1, 'by BDB formation on the simulator')
  t.equal(sim.nv.get(0x0083)!.readUInt16LE(0), 0x1a62, 'with its PAN id')

  const interviewed = new Promise<string>((resolve) => controller.on('deviceInterview', (e) => e.status !== 'started' && resolve(e.status)))
  const joined = new Promise<{ ieeeAddr: string }>((resolve) => controller.once('deviceJoined', (e) => resolve(e.device as { ieeeAddr: string })))
  await controller.permitJoin(20)
  await waitFor(() => sim.permitJoinOpen(), 3000, 'permit join on the stick')
  const dev = sim.join('temperature')!
  t.ok(dev, 'a device joins')
  const device = await joined
  t.equal(device.ieeeAddr, `0x${dev.ieee}`, 'herdsman saw it join')

  const message = new Promise<{ type: string; cluster: string; data: Record<string, unknown> }>((resolve) =>
    controller.on('message', (m) => {
      if (m.cluster === 'msTemperatureMeasurement' && m.type === 'attributeReport') resolve(m as never)
    }),
  )
  t.equal(await interviewed, 'successful', 'and interviewed it (node and simple descriptors, genBasic)')
  sim.report(dev, dev.set(0x0402, 0x0000, 2150))
  const m = await message
  t.equal(m.data.measuredValue, 2150, 'and decoded its temperature report (21.50 °C)')
  await controller.permitJoin(0)
})

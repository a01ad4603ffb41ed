import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { createHash, generateKeyPairSync } from 'node:crypto'
import { ext4At, ext4Label, partitions, readExt4File, run } from '../../tools/image/disk.js'
import { hubCa, httpsGet } from '../helpers/tls-client.js'
import { scanForSecrets } from './image-scan.js'

/**
 * The built SD image (npm run test:image builds it first, then runs this): partition table and
 * file systems, the read-only hardened root, Node 24 and the hub running inside the root under
 * qemu-user, a secret scan of the whole image, and two personalised cards that share nothing.
 * Everything is inspected without mounting: sfdisk -J, blkid -p -O, debugfs, mtools.
 */
const REPO = path.resolve('.')
const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version
const OUT = process.env.HEARTH_IMAGE_OUT ?? path.join(REPO, 'image', 'out')
const IMAGE = path.join(OUT, `hearth-${VERSION}-arm64.img`)
const HUB_UID = 950

if (!existsSync(IMAGE)) throw new Error(`no image at ${IMAGE}: run npm run image first (npm run test:image does)`)
const table = partitions(IMAGE)
const [boot, rootA, rootB, data] = table.partitions
const rootSpec = ext4At(IMAGE, rootA!.offset)
const readRoot = (file: string) => readExt4File(rootSpec, file).toString('utf8')
const work = mkdtempSync(path.join(os.tmpdir(), 'hearth-image-test-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))

function blkid(offset: number): Record<string, string> {
  const out = run('blkid', ['-p', '-O', String(offset), '-o', 'export', IMAGE])
  return Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
}

t.test('build figures', async (t) => {
  const info = JSON.parse(readFileSync(`${IMAGE}.json`, 'utf8')) as { seconds: number; bytes: number; allocatedBytes: number }
  t.comment(`build ${Math.floor(info.seconds / 60)}m${info.seconds % 60}s; image ${(info.bytes / 2 ** 20).toFixed(0)} MiB, ${(info.allocatedBytes / 2 ** 20).toFixed(0)} MiB allocated`)
  // The download size (xz -1, ≈ 3 min on one core); HEARTH_IMAGE_XZ=0 skips it.
  const xz = process.env.HEARTH_IMAGE_XZ === '0' ? { status: 1, stdout: '' } : spawnSync('sh', ['-c', `xz -T1 -1 -c '${IMAGE}' | wc -c`], { encoding: 'utf8' })
  if (xz.status === 0) t.comment(`xz -1: ${(Number(xz.stdout) / 2 ** 20).toFixed(0)} MiB to download`)
  t.ok(info.bytes < 4 * 10 ** 9, 'fits a 4 GB card')
})

t.test('partition table: MBR with boot (FAT), root A, root B, data (ext4)', async (t) => {
  t.equal(table.label, 'dos', 'MBR (the Pi 3B+ boots only from MBR)')
  t.equal(table.partitions.length, 4)
  t.equal(boot!.type, 'c', 'boot: FAT32 LBA')
  t.ok(boot!.bootable, 'boot: active')
  t.same(blkid(boot!.offset), { ...blkid(boot!.offset), TYPE: 'vfat', LABEL: 'HEARTH-BOOT' })
  t.same(blkid(rootA!.offset), { ...blkid(rootA!.offset), TYPE: 'ext4', LABEL: 'hearth-root-a' })
  t.same(blkid(rootB!.offset), { ...blkid(rootB!.offset), TYPE: 'ext4', LABEL: 'hearth-root-b' })
  t.same(blkid(data!.offset), { ...blkid(data!.offset), TYPE: 'ext4', LABEL: 'hearth-data' })
  t.equal(rootA!.bytes, rootB!.bytes, 'the two root slots are the same size')
  t.ok(data!.offset > rootB!.offset, 'data is last, so it can grow to the end of the card')
  t.equal(ext4Label(IMAGE, data!.offset), 'hearth-data')
  const rootBList = run('debugfs', ['-R', 'ls -p /', ext4At(IMAGE, rootB!.offset)])
  t.same(rootBList.trim().split('\n').map((l) => l.split('/')[5]).filter((n) => n && n !== '.' && n !== '..'), ['lost+found'], 'root B is empty')
  const dataRoot = run('debugfs', ['-R', 'stat /', ext4At(IMAGE, data!.offset)])
  t.match(dataRoot, new RegExp(`User:\\s+${HUB_UID}\\s+Group:\\s+${HUB_UID}`), 'data partition root belongs to the hub user')
  t.match(dataRoot, /Mode:\s+0700/, 'and is 0700')
  const dataList = run('debugfs', ['-R', 'ls -p /', ext4At(IMAGE, data!.offset)])
  t.notMatch(dataList, /data\.key|hub\.json/, 'no identity in the unpersonalised image: the card makes its own')
})

t.test('boot partition: firmware, kernel, config.txt with the UART off, read-only root by PARTUUID', async (t) => {
  const at = `${IMAGE}@@${boot!.offset}`
  const dir = run('mdir', ['-b', '-i', at, '::/'])
  for (const f of ['config.txt', 'cmdline.txt', 'start4.elf', 'fixup4.dat', 'bootcode.bin', 'vmlinuz', 'initrd.img', 'bcm2711-rpi-4-b.dtb', 'bcm2837-rpi-3-b-plus.dtb'])
    t.match(dir, new RegExp(`::/${f.replace('.', '\\.')}\\s*$`, 'm'), f)
  const config = run('mtype', ['-i', at, '::/config.txt'])
  t.match(config, /^enable_uart=0$/m, 'UART disabled')
  t.match(config, /^arm_64bit=1$/m)
  const cmdline = run('mtype', ['-i', at, '::/cmdline.txt'])
  t.match(cmdline, new RegExp(`root=PARTUUID=${table.id.replace(/^0x/, '')}-02 `), 'root A by PARTUUID')
  t.match(cmdline, / ro /, 'mounted read-only')
  t.notMatch(cmdline, /console=(ttyS|ttyAMA|serial)/, 'no serial console')
})

t.test('root file system: read-only, logs and temp in RAM, locked accounts, no sshd, no getty', async (t) => {
  const fstab = readRoot('/etc/fstab')
  t.match(fstab, /^LABEL=hearth-root-a\s+\/\s+ext4\s+ro[,\s]/m, '/ read-only')
  t.match(fstab, /^LABEL=hearth-data\s+\/var\/lib\/hearth\s+ext4\s+rw/m, 'the hub data dir on the data partition')
  for (const dir of ['/tmp', '/var/log', '/var/tmp']) t.match(fstab, new RegExp(`^tmpfs\\s+${dir}\\s+tmpfs`, 'm'), `${dir} in RAM`)
  t.match(readRoot('/etc/systemd/journald.conf.d/hearth.conf'), /^Storage=volatile$/m, 'journal in RAM')
  // EN 303 645 5.1-1: no account has a usable password.
  const shadow = readRoot('/etc/shadow').trim().split('\n')
  t.ok(shadow.length > 5, `${shadow.length} accounts`)
  for (const line of shadow) {
    const [user, pw] = line.split(':')
    t.ok(pw === '*' || (pw?.startsWith('!') && !/\$/.test(pw)), `${user}: no password (${pw})`)
  }
  t.match(readRoot('/etc/passwd'), /^root:[^:]*:0:0:[^:]*:[^:]*:\/usr\/sbin\/nologin$/m, 'root has no shell')
  t.match(readRoot('/etc/passwd'), new RegExp(`^hearth:x:${HUB_UID}:${HUB_UID}:.*:/usr/sbin/nologin$`, 'm'), 'the hub user')
  const ls = (dir: string) => run('debugfs', ['-R', `ls -p ${dir}`, rootSpec])
  t.notMatch(ls('/usr/sbin'), /\/sshd\//, 'no sshd')
  t.notMatch(ls('/lib/systemd/system'), /\/ssh(d)?(@)?\.(service|socket)\//, 'no ssh units')
  const etcUnits = ls('/etc/systemd/system')
  for (const masked of ['serial-getty@.service', 'getty@.service', 'console-getty.service', 'getty.target', 'systemd-firstboot.service', 'systemd-logind.service']) {
    t.match(etcUnits, new RegExp(`/${masked.replace(/[.@]/g, (c) => '\\' + c)}/`), `${masked} masked`)
    t.equal(run('debugfs', ['-R', `stat /etc/systemd/system/${masked}`, rootSpec]).match(/Fast link dest: "([^"]*)"/)?.[1], '/dev/null', `${masked} → /dev/null`)
  }
  // Only the hub and what it needs is enabled.
  const wants = (target: string) =>
    ls(`/etc/systemd/system/${target}`)
      .split('\n')
      .map((l) => l.split('/')[5])
      .filter((n): n is string => !!n && n !== '.' && n !== '..')
      .sort()
  t.same(wants('multi-user.target.wants'), ['hearth-boot.service', 'hearth-firewall.path', 'hearth-firewall.service', 'hearth.service', 'systemd-networkd.service'], 'multi-user.target wants')
  t.same(wants('sysinit.target.wants'), ['systemd-network-generator.service', 'systemd-resolved.service', 'systemd-timesyncd.service'], 'sysinit.target wants')
  t.notMatch(etcUnits, /\/getty\.target\.wants\//, 'no getty.target.wants')
  // node_modules holds what the bundle loads at run time (dist/app/runtime-deps.json) and theirs.
  const modules = ls('/opt/hearth/app/node_modules').split('\n').map((l) => l.split('/')[5]).filter((n): n is string => !!n && n !== '.' && n !== '..')
  for (const m of ['sodium-native', 'node-hid', 'serialport', 'mqtt']) t.ok(modules.includes(m), `${m} shipped`)
  for (const m of ['fastify', 'aedes', 'pino', 'lowdb', '.bin']) t.notOk(modules.includes(m), `${m}: inside the bundle, not shipped again`)
  t.equal(readRoot('/etc/machine-id'), '', 'no machine id: each card makes its own')
  t.equal(readRoot('/etc/systemd/system/hearth.service'), readFileSync('image/systemd/hearth.service', 'utf8'), 'the hardened hearth.service')
  t.equal(readRoot('/etc/systemd/system/hearth-firewall.service'), readFileSync('image/systemd/hearth-firewall.service', 'utf8'))
})

/** Root A's files, extracted with debugfs (no mount), with qemu-aarch64-static copied in. */
function extractRoot(): string {
  const root = path.join(work, 'root')
  if (existsSync(path.join(root, 'usr/bin/node'))) return root
  run('mkdir', ['-p', root])
  run('debugfs', ['-R', `rdump / ${root}`, rootSpec])
  copyFileSync(run('sh', ['-c', 'command -v qemu-aarch64-static']).trim(), path.join(root, 'usr/bin/qemu-aarch64-static'))
  run('chmod', ['755', path.join(root, 'usr/bin/qemu-aarch64-static')])
  return root
}

// env -i: the test runner injects NODE_OPTIONS into every child it spawns; the image's node gets none of it.
const inRoot = (root: string, args: string[], env: string[] = []) =>
  ['/usr/bin/env', '-i', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'LC_ALL=C.UTF-8', ...env, '/usr/sbin/chroot', root, '/usr/bin/qemu-aarch64-static', ...args] as const
/** A clean environment: nothing of the test runner's (NODE_OPTIONS) leaks into the image's node. */
const CLEAN_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8' }

t.test('inside the root (qemu-user): Node 24 for aarch64', async (t) => {
  const root = extractRoot()
  const [cmd, ...args] = inRoot(root, ['/usr/bin/node', '-p', 'process.version + " " + process.arch'])
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: CLEAN_ENV, timeout: 300_000 })
  t.equal(r.status, 0, r.stderr)
  const out = r.stdout.trim()
  t.match(out, /^v24\.\d+\.\d+ arm64$/, out)
  t.match(run('file', ['-b', path.join(root, 'usr/bin/node')]), /ARM aarch64/)
})

t.test('inside the root (qemu-user): the hub starts and answers GET /api/v1/health over HTTPS', async (t) => {
  const root = extractRoot()
  const dataDir = '/tmp/hearth-test-data'
  const [cmd, ...args] = inRoot(root, [
    '/usr/bin/node', '/opt/hearth/app/dist/app/hearth.mjs', 'run', '--json', '--data-dir', dataDir,
    '--http-host', '127.0.0.1', '--http-port', '0', '--mqtt-host', '127.0.0.1', '--mqtt-port', '0', '--log-level', 'warn',
  ], ['HEARTH_FIREWALL_MODE=off'])
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: CLEAN_ENV })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  t.teardown(() => {
    child.kill('SIGKILL')
  })
  const ready = await new Promise<{ listeners: { https: { port: number } }; tlsFingerprint: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line in 10 min; stderr: ${stderr.slice(-2000)}`)), 600_000)
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return
      const ev = JSON.parse(line) as { event?: string }
      if (ev.event === 'ready') {
        clearTimeout(timer)
        resolve(ev as never)
      }
    })
    child.on('exit', (code) => reject(new Error(`hub exited (${code}): ${stderr.slice(-2000)}`)))
  })
  const port = ready.listeners.https.port
  t.ok(port > 0, `HTTPS on 127.0.0.1:${port}`)
  const ca = hubCa(path.join(root, dataDir))
  let res: Awaited<ReturnType<typeof httpsGet>> | undefined
  for (let i = 0; i < 10 && !res; i++) res = await httpsGet(`https://127.0.0.1:${port}/api/v1/health`, ca).catch(() => undefined)
  t.equal(res?.status, 200, 'health 200, certificate verified against the hub CA')
  t.match(JSON.parse(res?.body ?? '{}'), { status: 'ok' })
})

/**
 * Debian's libgnutls carries PEM private keys of its own: the public known-answer vectors of its
 * self-tests, the same bytes in every copy of the library. They are told apart by digest: found
 * in the library file itself, read from the image.
 */
let vectors: Set<string> | undefined
function LIBRARY_VECTORS(): Set<string> {
  if (vectors) return vectors
  const dir = '/usr/lib/aarch64-linux-gnu'
  const lib = run('debugfs', ['-R', `ls -p ${dir}`, rootSpec]).split('\n').map((l) => l.split('/')[5]).find((n) => n && /^libgnutls\.so\.30\.\d+\.\d+$/.test(n))
  if (!lib) throw new Error('libgnutls not found in the image')
  const file = path.join(work, lib)
  writeFileSync(file, readExt4File(rootSpec, `${dir}/${lib}`))
  vectors = new Set(scanForSecrets(file).map((f) => f.digest))
  return vectors
}

t.test('secret scan of the whole image: no private key, password hash, token or setup code', async (t) => {
  // The scanner can fail: a planted key, hash, token and code are all found.
  const planted = path.join(work, 'planted.bin')
  writeFileSync(
    planted,
    Buffer.concat([
      Buffer.alloc(4096),
      // A throwaway key made now (never committed), exported as PEM like a leaked one would be.
      Buffer.from(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
      Buffer.alloc(100),
      Buffer.from('root:$y$j9T$abcdefghijklmnop$qrstuvwxyz0123456789ABCDEFGHIJKLMNOPQR:19000:0:99999:7:::\n'),
      Buffer.from(`token hth_${'Ab9_-x'.repeat(6)} code 7K3M-QX9P-4HTR.`),
    ]),
  )
  t.same([...new Set(scanForSecrets(planted).map((f) => f.kind))].sort(), ['hearthToken', 'passwordHash', 'pemPrivateKey', 'setupCode'], 'planted secrets found')
  // Codes by shape only: the examples in the docs and the UI's hint (src/core/ids.ts, web-ui/src/setup.ts)
  // and OpenSSL's random-generator names in libcrypto.
  const examples = new Set(['7K3M-QX9P-4HTR', 'AB2C-DE3F-GH4J', 'RAND-HASH-DRBG', 'RAND-HMAC-DRBG', 'RAND-TEST-RAND'].map((c) => createHash('sha256').update(c).digest('hex')))
  const findings = scanForSecrets(IMAGE).filter((f) => !LIBRARY_VECTORS().has(f.digest) && !examples.has(f.digest))
  t.same(findings, [], 'nothing found in the image (but the public self-test keys inside libgnutls)')
})

t.test('two personalised cards share nothing; the card holds its identity, not the boot partition', async (t) => {
  const cards = [1, 2].map((n) => {
    const out = path.join(work, `card${n}.img`)
    const r = spawnSync('node', ['dist/tools/image/personalize.js', IMAGE, '--out', out], { encoding: 'utf8' })
    t.equal(r.status, 0, `card ${n} personalised ${r.stderr.slice(-500)}`)
    const label = readFileSync(path.join(work, `card${n}.label.txt`), 'utf8')
    const svg = readFileSync(path.join(work, `card${n}.label.svg`), 'utf8')
    const png = readFileSync(path.join(work, `card${n}.label.png`))
    t.ok(r.stdout.includes(label.trim()), 'the label is printed')
    t.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
    t.same([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature')
    const code = /Setup code:\s+(\S+)/.exec(label)?.[1]
    const host = /Hearth hub (\S+)/.exec(label)?.[1]
    t.match(code, /^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$/)
    t.match(host, /^hearth-[a-z0-9]{4}$/)
    t.match(label, new RegExp(`https://${host}\\.local:8443/`))
    const p = partitions(out).partitions[3]!
    const spec = ext4At(out, p.offset)
    const hub = JSON.parse(readExt4File(spec, '/hub.json').toString('utf8')) as { data: { hubId: string; tls: { caCert: string; key: { c: string } | string } } }
    const key = readExt4File(spec, '/data.key')
    t.equal(key.length, 32, 'data key on the card')
    const st = run('debugfs', ['-R', 'stat /hub.json', spec])
    t.match(st, new RegExp(`User:\\s+${HUB_UID}\\s+Group:\\s+${HUB_UID}`), 'hub.json belongs to the hub user')
    t.match(st, /Mode:\s+0600/)
    t.match(label, new RegExp(hub.data.hubId))
    const found = scanForSecrets(out).filter((f) => !LIBRARY_VECTORS().has(f.digest))
    t.notOk(spawnSync('grep', ['-a', '-q', '-F', '-e', String(code), out]).status === 0, "the card's setup code is not in clear anywhere on it (sealed)")
    t.same(found.filter((f) => f.kind !== 'setupCode').map((f) => f.kind), [], 'no key, token or setup code in clear on the card (sealed with the data key)')
    return { code, host, hubId: hub.data.hubId, ca: hub.data.tls.caCert, tlsKey: JSON.stringify(hub.data.tls.key), dataKey: key.toString('hex'), out, dataOffset: p.offset }
  })
  const [a, b] = cards as [(typeof cards)[0], (typeof cards)[0]]
  t.not(a.code, b.code, 'different setup codes')
  t.not(a.hubId, b.hubId, 'different hub ids')
  t.not(a.ca, b.ca, 'different CA certificates')
  t.not(a.tlsKey, b.tlsKey, 'different TLS keys')
  t.not(a.dataKey, b.dataKey, 'different data keys')
  // Outside the data partition the card is the image, byte for byte: nothing per card on the boot partition.
  const same = (file: string, from: number, to: number) =>
    spawnSync('sh', ['-c', `cmp -n ${to - from} -i ${from}:${from} '${IMAGE}' '${file}'`]).status === 0
  t.ok(same(a.out, 0, a.dataOffset), 'card 1 equals the image before the data partition')
  t.ok(same(b.out, 0, b.dataOffset), 'card 2 equals the image before the data partition')
})

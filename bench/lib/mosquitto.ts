import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import type { BrokerProc, Fleet } from './brokers.js'
import type { Children } from './children.js'
import { freePort } from './proc.js'

const MOSQUITTO = '/usr/sbin/mosquitto'

const openssl = (dir: string, args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })

/**
 * A throwaway CA and a server certificate it signs, both P-256 like the hub's and aedes' (so the
 * handshakes cost the same), for 127.0.0.1 and localhost.
 */
function makeCertificates(dir: string): void {
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'])
  openssl(dir, ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=hearth bench CA', '-days', '2', '-out', 'ca.crt'])
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'server.key'])
  openssl(dir, ['req', '-new', '-key', 'server.key', '-subj', '/CN=localhost', '-out', 'server.csr'])
  writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
  openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'server.crt'])
}

/**
 * The same least-privilege policy the hub enforces, in mosquitto's terms: each device may write
 * its own state and availability and read its own commands; the reader may read every state.
 */
function aclFile(fleet: Fleet): string {
  const lines: string[] = []
  for (const d of fleet.devices)
    lines.push(`user ${d.username}`, `topic write hearth/${d.username}/state`, `topic write hearth/${d.username}/availability`, `topic read hearth/${d.username}/set`, '')
  lines.push(`user ${fleet.reader.username}`, 'topic read hearth/+/state', '')
  return lines.join('\n')
}

/**
 * Debian's mosquitto with TLS, a password file and an ACL file, all generated into `dir`.
 * The password file is written in clear and hashed in place by `mosquitto_passwd -U` (one
 * process for 2,000 users, where `-b` would need one each).
 */
export async function startMosquitto(children: Children, dir: string, fleet: Fleet): Promise<BrokerProc> {
  makeCertificates(dir)
  const passwd = path.join(dir, 'passwd')
  writeFileSync(passwd, [...fleet.devices, fleet.reader].map((c) => `${c.username}:${c.password}\n`).join(''), { mode: 0o600 })
  execFileSync('mosquitto_passwd', ['-U', passwd], { stdio: ['ignore', 'ignore', 'pipe'] })
  writeFileSync(path.join(dir, 'acl'), aclFile(fleet), { mode: 0o600 })
  const port = await freePort()
  const conf = path.join(dir, 'mosquitto.conf')
  writeFileSync(
    conf,
    [
      // We run as root in CI: without this mosquitto drops to the `mosquitto` user, who cannot read dir.
      'user root',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'connection_messages false',
      'per_listener_settings false',
      'allow_anonymous false',
      `password_file ${passwd}`,
      `acl_file ${path.join(dir, 'acl')}`,
      `listener ${port} 127.0.0.1`,
      `cafile ${path.join(dir, 'ca.crt')}`,
      `certfile ${path.join(dir, 'server.crt')}`,
      `keyfile ${path.join(dir, 'server.key')}`,
      // Since mosquitto 2.0 this is the minimum version: TLS 1.3 is still offered, as by the hub.
      'tls_version tlsv1.2',
      '',
    ].join('\n'),
  )
  const p = children.spawn('mosquitto', MOSQUITTO, ['-c', conf])
  await children.ready(p, port)
  return { port, pid: p.pid!, stop: () => children.stop(p) }
}

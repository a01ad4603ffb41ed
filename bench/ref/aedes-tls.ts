// Reference broker for benchmarks: bare aedes on TLS with a throwaway self-signed certificate,
// no authentication, no ACL, no validation. Usage: node aedes-tls.js <port> [plainPort]
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { createServer as createNet } from 'node:net'
import { createServer } from 'node:tls'
import { Aedes } from 'aedes'
import { issueCertificate } from '../../src/identity/x509.js'

const port = Number(process.argv[2] ?? 0)
const plain = Number(process.argv[3] ?? 0)
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const cert = issueCertificate({
  subjectKey: privateKey,
  issuerKey: privateKey,
  issuerPublicKey: publicKey,
  serial: randomBytes(16),
  subjectCN: 'localhost',
  issuerCN: 'localhost',
  ca: false,
  names: ['localhost', '127.0.0.1'],
})
const broker = await Aedes.createBroker()
createServer({ key: privateKey.export({ type: 'pkcs8', format: 'pem' }), cert }, broker.handle).listen(port, '127.0.0.1')
if (plain) createNet(broker.handle).listen(plain, '127.0.0.1')
process.on('SIGTERM', () => process.exit(0))

import { createHash } from 'node:crypto'
import { Type, type Static } from '@sinclair/typebox'
import sodium from 'sodium-native'
import { HubError } from '../core/errors.js'
import { compile, errorPath } from '../core/validate.js'
import { VERSION_PATTERN } from '../policy/update.js'

/**
 * The signed manifest of an update bundle (and of an installed slot): what the release is, what
 * it upgrades from, until when it is supported, and the SHA-256 and size of every file. The
 * signature covers the manifest's exact bytes, so every file is covered through its hash.
 */
const Version = Type.String({ pattern: VERSION_PATTERN })
export const MANIFEST_NAME = 'manifest.json'
export const SIGNATURE_NAME = 'manifest.sig'
/** Domain separation: a signature over a manifest can never be mistaken for one over anything else. */
const CONTEXT = Buffer.from('hearth-update-manifest-v1\0')

export const ManifestSchema = Type.Object(
  {
    format: Type.Literal(1),
    product: Type.Literal('hearth'),
    version: Version,
    minVersion: Version,
    created: Type.String({ maxLength: 40, pattern: '^\\d{4}-\\d{2}-\\d{2}T[0-9:.]+Z$' }),
    supportEnd: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
    notes: Type.String({ maxLength: 4000 }),
    files: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 100_000 }),
  },
  { additionalProperties: false },
)
/** One file of the manifest; validated in batches (a release lists thousands: no long event-loop stall). */
export const ManifestFileSchema = Type.Object(
  {
    path: Type.String({ minLength: 1, maxLength: 255 }),
    size: Type.Integer({ minimum: 0 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    mode: Type.Union([Type.Literal(0o644), Type.Literal(0o755)]),
  },
  { additionalProperties: false },
)
export type ManifestFile = Static<typeof ManifestFileSchema>
export type Manifest = Omit<Static<typeof ManifestSchema>, 'files'> & { files: ManifestFile[] }

export const SignatureSchema = Type.Object(
  { keyId: Type.String({ pattern: '^[0-9a-f]{16}$' }), signature: Type.String({ pattern: '^[A-Za-z0-9+/]{86}==$' }) },
  { additionalProperties: false },
)
export type Signature = Static<typeof SignatureSchema>

/** A public key the hub trusts for releases. */
export interface TrustedKey {
  /** Hex Ed25519 public key (32 bytes). */
  publicKey: string
  /** Who holds it, for the logs and docs. */
  name: string
}

const validateManifest = compile<Manifest>('payload', ManifestSchema)
const validateFile = compile<ManifestFile>('payload', ManifestFileSchema)
const BATCH = 500
const turn = () => new Promise<void>((resolve) => setImmediate(resolve))
const validateSignature = compile<Signature>('payload', SignatureSchema)

const refuse = (why: string) => new HubError('HUB_ERR_UPDATE_REFUSED', `bundle refused: ${why}`)

/** The key id: the first 8 bytes of SHA-256 of the public key, hex. */
export const keyId = (publicKey: Uint8Array): string => createHash('sha256').update(publicKey).digest('hex').slice(0, 16)

/** Signs manifest bytes (the release tool; the secret key never reaches the hub). */
export function signManifest(manifestBytes: Uint8Array, secretKey: Uint8Array): Signature {
  if (secretKey.length !== sodium.crypto_sign_SECRETKEYBYTES) throw new HubError('HUB_ERR_BAD_REQUEST', 'release key: not an Ed25519 secret key')
  const sig = Buffer.alloc(sodium.crypto_sign_BYTES)
  sodium.crypto_sign_detached(sig, Buffer.concat([CONTEXT, manifestBytes]), secretKey)
  return { keyId: keyId(secretKey.subarray(32)), signature: sig.toString('base64') }
}

/**
 * Checks the signature on manifest bytes against the trusted keys, then parses and validates
 * the manifest. Nothing in the manifest is looked at before its signature is good.
 * @returns the manifest and the name of the key that signed it
 */
export async function verifyManifest(manifestBytes: Buffer, signatureBytes: Buffer, trusted: readonly TrustedKey[]): Promise<{ manifest: Manifest; signer: string }> {
  let sig: unknown
  try {
    sig = JSON.parse(signatureBytes.toString('utf8'))
  } catch {
    throw refuse('the signature file is not JSON')
  }
  if (!validateSignature(sig)) throw refuse('the signature file is malformed')
  const key = trusted.find((k) => keyId(Buffer.from(k.publicKey, 'hex')) === sig.keyId)
  if (!key) throw refuse(`signed by key ${sig.keyId}, which this hub does not trust`)
  const raw = Buffer.from(sig.signature, 'base64')
  if (raw.length !== sodium.crypto_sign_BYTES || !sodium.crypto_sign_verify_detached(raw, Buffer.concat([CONTEXT, manifestBytes]), Buffer.from(key.publicKey, 'hex')))
    throw refuse('bad signature')
  let manifest: unknown
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8'))
  } catch {
    throw refuse('the manifest is not JSON')
  }
  if (!validateManifest(manifest)) {
    const e = validateManifest.errors![0]!
    throw refuse(`manifest ${errorPath(e) || '(root)'} ${e.message ?? 'is invalid'}`)
  }
  const files = manifest.files
  for (let i = 0; i < files.length; i++) {
    if (i % BATCH === BATCH - 1) await turn()
    if (!validateFile(files[i])) {
      const e = validateFile.errors![0]!
      throw refuse(`manifest files.${i}${errorPath(e) ? '.' + errorPath(e) : ''} ${e.message ?? 'is invalid'}`)
    }
  }
  return { manifest, signer: key.name }
}

/** A new Ed25519 key pair (the release tool's keygen; tests' throwaway keys). */
export function generateReleaseKey(): { publicKey: Buffer; secretKey: Buffer } {
  const publicKey = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES)
  const secretKey = Buffer.alloc(sodium.crypto_sign_SECRETKEYBYTES)
  sodium.crypto_sign_keypair(publicKey, secretKey)
  return { publicKey, secretKey }
}

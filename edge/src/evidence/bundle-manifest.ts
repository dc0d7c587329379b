/**
 * The evidence bundle's manifest: what it says, how it is encoded and signed, and how a reader
 * checks it. The signature is over the exact bytes of manifest.json, so the encoding chosen here
 * is the one that is hashed; readers never re-serialise before checking.
 *
 * This module runs on the investigator's machine too (`mimamori verify`): it needs node:crypto and
 * zod only, no config, no database.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';

export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.sig';
export const PUBLIC_KEY_FILE = 'device-public-key.pem';
export const MANIFEST_FORMAT = 'mimamori-evidence-bundle';
export const MANIFEST_FORMAT_VERSION = 1;

/** The two files the manifest cannot list: itself and the signature over it. */
export const UNLISTED_FILES: readonly string[] = [MANIFEST_FILE, SIGNATURE_FILE];

export interface ManifestFile {
  /** Relative to the bundle root, "/" separated. */
  readonly path: string;
  readonly bytes: number;
  /** Lowercase hex. */
  readonly sha256: string;
}

/** A time as both the ISO-8601 text a person reads (with the device's offset) and epoch ms. */
export interface ManifestTime {
  readonly at: string;
  readonly ms: number;
}

export interface ManifestSegment {
  /** In the bundle. */
  readonly file: string;
  /** As indexed on the device (relative to its data directory). */
  readonly devicePath: string;
  readonly start: ManifestTime;
  /** null when the segment was still being recorded at export time (a copy of what was written). */
  readonly end: ManifestTime | null;
  readonly inProgress: boolean;
  /**
   * The camera's codec when the device transcoded this segment to H.264 as it recorded it (the
   * camera's own codec cannot be stored in MPEG-TS as it is); null: the camera's stream, copied.
   */
  readonly transcodedFrom: string | null;
}

export interface ManifestCamera {
  readonly id: string;
  /** Folder in the bundle (the camera id made safe as a file name). */
  readonly folder: string;
  /** The segments joined without re-encoding; null when the camera has no footage in the range. */
  readonly joined: {
    readonly file: string;
    readonly from: ManifestTime;
    readonly to: ManifestTime | null;
    readonly audio: boolean;
    readonly note: string | null;
  } | null;
  readonly segments: readonly ManifestSegment[];
  /** Indexed segments whose file was gone or unreadable at export time. */
  readonly missingSegments: readonly { readonly devicePath: string; readonly reason: string }[];
}

export interface ManifestHold {
  readonly id: string;
  readonly caseNumber: string;
  readonly officer: string;
  readonly station: string;
  readonly reason: string;
  readonly from: ManifestTime;
  readonly to: ManifestTime;
  /** As requested; empty means every camera. */
  readonly cameras: readonly string[];
  readonly createdAt: ManifestTime;
  readonly createdBy: string;
  readonly expiresAt: ManifestTime | null;
  readonly releasedAt: ManifestTime | null;
  readonly releasedBy: string | null;
  readonly releaseReason: string | null;
}

export interface ManifestClock {
  /** What the times in the bundle were read from. */
  readonly source: string;
  /** From `timedatectl show -p NTPSynchronized`; "unknown" when that cannot be asked. */
  readonly ntpSynchronized: 'yes' | 'no' | 'unknown';
  readonly timeZone: string;
  readonly utcOffset: string;
}

export interface BundleManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly formatVersion: typeof MANIFEST_FORMAT_VERSION;
  readonly bundleName: string;
  readonly exportedAt: ManifestTime;
  readonly exportedBy: string;
  readonly device: {
    readonly deviceId: string;
    readonly site: string | null;
    readonly publicKeyFingerprint: string;
    readonly software: { readonly name: 'mimamori'; readonly version: string };
  };
  readonly clock: ManifestClock;
  readonly hold: ManifestHold;
  readonly range: { readonly from: ManifestTime; readonly to: ManifestTime };
  /**
   * The newest audit-log entry when the export was made (null: the log was empty). Kept outside the
   * device, it proves the log once reached this far (see store/audit-chain.ts).
   */
  readonly auditHead: { readonly seq: number; readonly hash: string } | null;
  readonly cameras: readonly ManifestCamera[];
  readonly events: { readonly file: string; readonly count: number; readonly missingSnapshots: number };
  /** Every file in the bundle except manifest.json and manifest.sig, sorted by path. */
  readonly files: readonly ManifestFile[];
}

/** Two-space JSON with a final newline: readable in any editor, and these exact bytes are signed. */
export function encodeManifest(manifest: BundleManifest): Buffer {
  return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Ed25519 over the exact manifest bytes, base64, one line. */
export function signManifest(manifestBytes: Buffer, privateKey: KeyObject): string {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`manifest signing needs an Ed25519 private key, got ${privateKey.asymmetricKeyType ?? privateKey.type}`);
  }
  return `${sign(null, manifestBytes, privateKey).toString('base64')}\n`;
}

export type SignatureCheck =
  | { readonly valid: true }
  | { readonly valid: false; readonly reason: string };

/** Checks a manifest.sig text against the manifest bytes; never throws for bad input. */
export function checkManifestSignature(manifestBytes: Buffer, signatureText: string, publicKey: KeyObject): SignatureCheck {
  const text = signatureText.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return { valid: false, reason: 'manifest.sig is not base64' };
  const signature = Buffer.from(text, 'base64');
  if (signature.length !== 64) return { valid: false, reason: `manifest.sig holds ${signature.length} bytes, an Ed25519 signature has 64` };
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    return { valid: false, reason: `the public key is ${publicKey.asymmetricKeyType ?? 'not asymmetric'}, not Ed25519` };
  }
  return verify(null, manifestBytes, publicKey, signature)
    ? { valid: true }
    : { valid: false, reason: 'the signature does not match manifest.json with this public key' };
}

/** A PEM public key, or a readable reason it is not one. */
export function parsePublicKeyPem(pem: string): { key: KeyObject } | { error: string } {
  try {
    const key = createPublicKey({ key: pem, format: 'pem' });
    if (key.asymmetricKeyType !== 'ed25519') return { error: `not an Ed25519 key (${key.asymmetricKeyType ?? 'unknown type'})` };
    return { key };
  } catch (err) {
    return { error: `not a PEM public key (${(err as Error).message})` };
  }
}

/**
 * The fingerprint `mimamori keys show` prints on the device (SHA-256 of the DER public key, hex),
 * so an investigator compares like with like.
 */
export { publicKeyFingerprint } from './device-keys.js';

/** A path inside a bundle as the manifest may name it; anything else is refused before any file is opened. */
export function isSafeBundlePath(p: string): boolean {
  if (p.length === 0 || p.length > 1024) return false;
  if (p.includes('\\') || p.includes('\0') || p.startsWith('/') || /^[A-Za-z]:/.test(p)) return false;
  return p.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

const time = z.object({ at: z.string(), ms: z.number() });

/**
 * What a reader needs to trust before checking files: the file list, strictly. The rest is shown
 * to the investigator as it is, so unknown fields from a newer version do not fail verification.
 */
const manifestSchema = z
  .object({
    format: z.literal(MANIFEST_FORMAT),
    formatVersion: z.literal(MANIFEST_FORMAT_VERSION),
    bundleName: z.string(),
    exportedAt: time,
    device: z.object({ deviceId: z.string(), publicKeyFingerprint: z.string() }).loose(),
    hold: z.object({ id: z.string(), caseNumber: z.string() }).loose(),
    range: z.object({ from: time, to: time }),
    files: z.array(
      z.object({
        path: z.string().refine(isSafeBundlePath, 'is not a safe relative path inside the bundle')
          .refine((p) => !UNLISTED_FILES.includes(p), 'must not be listed'),
        bytes: z.int().nonnegative(),
        sha256: z.string().regex(/^[0-9a-f]{64}$/, 'is not a lowercase hex SHA-256'),
      }).strict(),
    ).superRefine((files, ctx) => {
      const seen = new Set<string>();
      files.forEach((f, i) => {
        if (seen.has(f.path)) ctx.addIssue({ code: 'custom', path: [i, 'path'], message: `${f.path} is listed twice` });
        seen.add(f.path);
      });
    }),
  })
  .loose();

export type ParsedManifest = z.infer<typeof manifestSchema> & Partial<Omit<BundleManifest, keyof z.infer<typeof manifestSchema>>>;

/** Parses manifest bytes, listing every problem by field. */
export function parseManifest(bytes: Buffer): { manifest: ParsedManifest } | { problems: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return { problems: [`not valid JSON (${(err as Error).message})`] };
  }
  const result = manifestSchema.safeParse(raw);
  if (!result.success) {
    return { problems: result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`) };
  }
  return { manifest: result.data as ParsedManifest };
}

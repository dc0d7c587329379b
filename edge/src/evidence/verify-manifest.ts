/**
 * Verification of an evidence manifest on its own (manifest.json and manifest.sig, without the
 * footage), and the one report shape both desk checks answer with: this, and a whole bundle
 * checked by verifyBundle (verify-bundle.ts) against this device's key.
 *
 * Origin is proven only when the signing key is this device's or has the fingerprint the caller
 * gives: a key uploaded with the manifest proves nothing by itself, since whoever forged a bundle
 * can sign it with their own key and upload that key too. A valid signature under any other key is
 * integrity only. Nothing here creates the device key: a device without one has signed nothing.
 */
import {
  MANIFEST_FILE, checkManifestSignature, parseManifest, parsePublicKeyPem, publicKeyFingerprint, sha256Hex, type ParsedManifest,
} from './bundle-manifest.js';
import type { DeviceKeys } from './device-keys.js';
import type { VerifyProblem, VerifyResult } from './verify-bundle.js';

/** What a person checks, from a manifest that parsed (untrusted unless the signature is valid). */
export interface ManifestSummary {
  readonly bundleName: string;
  readonly caseNumber: string;
  readonly holdId: string;
  readonly deviceId: string;
  readonly publicKeyFingerprint: string;
  readonly exportedAt: string;
  readonly exportedBy: string | null;
  readonly from: string;
  readonly to: string;
  readonly files: number;
  readonly cameras: readonly (string | null)[];
}

export interface VerificationReport {
  /** Integrity and origin both proven. */
  readonly verified: boolean;
  readonly integrity: boolean;
  /** What was checked: the manifest's signature only, or every file of the bundle too. */
  readonly scope: 'manifest' | 'bundle';
  readonly signature: VerifyResult['signature'];
  readonly key: { readonly source: 'given' | 'device' | 'bundled' | 'none'; readonly fingerprint: string | null };
  readonly originProven: boolean;
  readonly deviceFingerprint: string | null;
  readonly expectedFingerprint: string | null;
  readonly manifestSha256: string | null;
  readonly manifest: ManifestSummary | null;
  readonly filesChecked: boolean;
  readonly filesMatched: number;
  readonly filesListed: number;
  readonly problems: readonly VerifyProblem[];
}

export interface ManifestToVerify {
  /** The text of manifest.json, exactly as exported (the signature covers its UTF-8 bytes). */
  readonly manifest: string;
  /** The text of manifest.sig. */
  readonly signature: string;
  /** A public key to check with instead of this device's (SPKI PEM); blank means not given. */
  readonly publicKeyPem?: string;
  /** The fingerprint (normalised) the signing key must have. */
  readonly fingerprint?: string;
}

export const NO_DEVICE_KEY: VerifyProblem = {
  file: 'device key', kind: 'key', message: 'this device has no signing key yet, so it has signed nothing; give the public key or fingerprint to check against',
};

/** Fields outside the strictly parsed part of a manifest are shown only when they are text. */
function optionalText(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function manifestSummary(m: ParsedManifest): ManifestSummary {
  return {
    bundleName: m.bundleName,
    caseNumber: m.hold.caseNumber,
    holdId: m.hold.id,
    deviceId: m.device.deviceId,
    publicKeyFingerprint: m.device.publicKeyFingerprint,
    exportedAt: m.exportedAt.at,
    exportedBy: optionalText(m.exportedBy),
    from: m.range.from.at,
    to: m.range.to.at,
    files: m.files.length,
    cameras: Array.isArray(m.cameras) ? (m.cameras as unknown[]).map((c) => optionalText((c as { id?: unknown } | null)?.id)) : [],
  };
}

/** Checks a manifest's signature with the key given, or else with `device`'s (null: the device has none). */
export function verifyManifest(input: ManifestToVerify, device: DeviceKeys | null): VerificationReport {
  const problems: VerifyProblem[] = [];
  let key = null;
  let source: 'given' | 'device' | 'none' = 'none';
  if (input.publicKeyPem !== undefined && input.publicKeyPem.trim() !== '') {
    const parsed = parsePublicKeyPem(input.publicKeyPem);
    if ('key' in parsed) [key, source] = [parsed.key, 'given'];
    else problems.push({ file: 'publicKeyPem', kind: 'key', message: `the public key given is ${parsed.error}` });
  } else if (device) {
    [key, source] = [device.publicKey, 'device'];
  } else {
    problems.push(NO_DEVICE_KEY);
  }
  const fingerprint = key ? publicKeyFingerprint(key) : null;
  if (input.fingerprint !== undefined && fingerprint !== null && fingerprint !== input.fingerprint) {
    problems.push({ file: 'publicKeyPem', kind: 'origin', message: `has fingerprint ${fingerprint}, not the ${input.fingerprint} given: this manifest was not signed by that device` });
  }
  const bytes = Buffer.from(input.manifest, 'utf8');
  let signature: VerifyResult['signature'] = 'not-checked';
  if (key) {
    const check = checkManifestSignature(bytes, input.signature, key);
    signature = check.valid ? 'valid' : 'invalid';
    if (!check.valid) {
      const whose = source === 'device' ? "this device's key" : 'the key given';
      problems.push({ file: MANIFEST_FILE, kind: 'signature', message: `signature check failed with ${whose}: ${check.reason} (manifest.json or manifest.sig was changed, or another key signed it)` });
    }
  }
  const parsed = parseManifest(bytes);
  if ('problems' in parsed) {
    for (const p of parsed.problems) problems.push({ file: MANIFEST_FILE, kind: 'manifest', message: `is not a valid bundle manifest: ${p}` });
  }
  const integrity = signature === 'valid' && problems.every((p) => p.kind === 'origin');
  const originProven = integrity && fingerprint !== null && (fingerprint === input.fingerprint || (input.fingerprint === undefined && fingerprint === device?.fingerprint));
  return {
    verified: originProven,
    integrity,
    scope: 'manifest',
    signature,
    key: { source, fingerprint },
    originProven,
    deviceFingerprint: device?.fingerprint ?? null,
    expectedFingerprint: input.fingerprint ?? null,
    manifestSha256: sha256Hex(bytes),
    manifest: 'manifest' in parsed ? manifestSummary(parsed.manifest) : null,
    filesChecked: false,
    filesMatched: 0,
    filesListed: 'manifest' in parsed ? parsed.manifest.files.length : 0,
    problems,
  };
}

/**
 * A whole uploaded bundle's verifyBundle result as a desk report. `upload` is where the upload was
 * stored: it is named "the uploaded zip" in what the caller sees, never by its path on the device.
 */
export function bundleReport(
  r: VerifyResult, o: { keySource: 'device' | 'bundled'; device: DeviceKeys | null; fingerprint: string | undefined; upload: string },
): VerificationReport {
  const problems = [
    ...(o.keySource === 'device' && !o.device ? [NO_DEVICE_KEY] : []),
    ...r.problems.map((p) => ({
      ...p,
      file: p.file === o.upload ? 'upload' : p.file === '--key' ? 'device key' : p.file,
      message: p.message.split(o.upload).join('the uploaded zip'),
    })),
  ];
  const integrity = r.integrity && problems.every((p) => p.kind === 'origin');
  const originProven = r.originProven && integrity;
  return {
    verified: originProven,
    integrity,
    scope: 'bundle',
    signature: r.signature,
    key: { source: r.key.source === 'given' ? 'device' : r.key.source, fingerprint: r.key.fingerprint },
    originProven,
    deviceFingerprint: o.device?.fingerprint ?? null,
    expectedFingerprint: o.fingerprint ?? null,
    manifestSha256: r.manifestSha256,
    manifest: r.manifest ? manifestSummary(r.manifest) : null,
    filesChecked: true,
    filesMatched: r.filesMatched,
    filesListed: r.filesListed,
    problems,
  };
}

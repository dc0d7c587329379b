/**
 * Verifies an evidence bundle (folder or zip) on any machine: the Ed25519 signature over the exact
 * bytes of manifest.json, then every listed file's size and SHA-256, and that no listed file is
 * missing and no unlisted file is present. Needs only the bundle and, to prove origin, the device's
 * public key or its fingerprint obtained from the device itself; no config, no database.
 *
 * Integrity and origin are separate verdicts. The key inside a bundle proves only that the files
 * are unchanged since *someone* signed them: whoever substitutes footage can re-sign the manifest
 * with a key of their own and ship that key. So `verified` needs both: origin is proven only by a
 * key the caller supplies or by the signing key matching a fingerprint the caller supplies.
 *
 * Nothing is extracted or followed: folder bundles are walked with lstat (a symlink is reported,
 * never opened), zip entries are hashed from the archive, and manifest paths are checked to be
 * plain relative paths before anything is looked up.
 */
import { createReadStream } from 'node:fs';
import { lstat, open, readdir, stat } from 'node:fs/promises';
import { createHash, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  MANIFEST_FILE, PUBLIC_KEY_FILE, SIGNATURE_FILE, checkManifestSignature, parseManifest, parsePublicKeyPem,
  publicKeyFingerprint, sha256Hex, type ParsedManifest,
} from './bundle-manifest.js';
import { ZipBundleReader } from './bundle-zip.js';
import { normaliseFingerprint } from '../wire/api/verify.js';

export type VerifyProblemKind =
  | 'bundle' | 'manifest' | 'signature' | 'key' | 'origin' | 'missing' | 'extra' | 'size' | 'sha256' | 'unreadable' | 'not-a-file' | 'duplicate';

export interface VerifyProblem {
  /** The bundle file concerned (relative path), or the bundle / key given. */
  readonly file: string;
  readonly kind: VerifyProblemKind;
  readonly message: string;
}

export interface VerifyOptions {
  /** The device's public key obtained from the device; without it the bundled key is used. */
  readonly publicKeyPem?: string;
  /**
   * The device's key fingerprint obtained from the device (SHA-256 of the DER public key, hex;
   * colons and spaces ignored): the signing key must have it.
   */
  readonly fingerprint?: string;
}

export interface VerifyResult {
  /** Integrity and origin both proven. */
  readonly verified: boolean;
  /**
   * The signature is valid under the key used and every listed file matches, nothing missing or
   * added: the bundle is unchanged since it was signed, by whoever signed it.
   */
  readonly integrity: boolean;
  readonly bundle: string;
  readonly form: 'directory' | 'zip' | null;
  /** Which key checked the signature: one given by the caller, the bundle's own, or none usable. */
  readonly key: { readonly source: 'given' | 'bundled' | 'none'; readonly fingerprint: string | null };
  readonly signature: 'valid' | 'invalid' | 'not-checked';
  /**
   * True only with integrity and a signing key the caller vouched for: given as the key, or
   * matching the fingerprint given. The bundled key alone proves nothing about who signed.
   */
  readonly originProven: boolean;
  /** The fingerprint the caller expected (normalised), if any. */
  readonly expectedFingerprint: string | null;
  /** The manifest as read (untrusted unless the signature is valid). */
  readonly manifest: ParsedManifest | null;
  readonly manifestSha256: string | null;
  /** Listed files whose size and SHA-256 matched. */
  readonly filesMatched: number;
  readonly filesListed: number;
  readonly problems: readonly VerifyProblem[];
}

// How people may write a fingerprint is part of the API's contract (the desk's form sends it as typed).
export { normaliseFingerprint } from '../wire/api/verify.js';

/** Problems that say nothing about whether the files changed, only about who signed them. */
const isOriginProblem = (p: VerifyProblem): boolean => p.kind === 'origin';

const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
const MAX_SMALL_FILE_BYTES = 64 * 1024;

/** Read access to a bundle in either form. */
interface BundleFiles {
  readonly form: 'directory' | 'zip';
  /** Regular files by relative path, with their size. */
  readonly files: ReadonlyMap<string, number>;
  /** Problems found while listing (symlinks, duplicates). */
  readonly listingProblems: readonly VerifyProblem[];
  read(path: string, maxBytes: number): Promise<Buffer>;
  open(path: string): Promise<Readable>;
  close(): void;
}

async function openDirectory(root: string): Promise<BundleFiles> {
  const files = new Map<string, number>();
  const listingProblems: VerifyProblem[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(rel ? join(root, rel) : root, { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) files.set(path, (await lstat(join(root, path))).size);
      else {
        const what = entry.isSymbolicLink() ? 'a symbolic link' : 'not a regular file';
        listingProblems.push({ file: path, kind: 'not-a-file', message: `is ${what}; a bundle holds only regular files` });
      }
    }
  };
  await walk('');
  return {
    form: 'directory',
    files,
    listingProblems,
    async read(path, maxBytes) {
      const handle = await open(join(root, path), 'r');
      try {
        const size = (await handle.stat()).size;
        if (size > maxBytes) throw new Error(`${size} bytes, more than the ${maxBytes} expected`);
        return await handle.readFile();
      } finally {
        await handle.close();
      }
    },
    open: async (path) => createReadStream(join(root, path)),
    close: () => undefined,
  };
}

async function openZip(file: string): Promise<BundleFiles> {
  const zip = await ZipBundleReader.open(file);
  const files = new Map(zip.list().map((e) => [e.name, e.size] as const));
  return {
    form: 'zip',
    files,
    listingProblems: zip.duplicates.map((name) => ({
      file: name, kind: 'duplicate' as const, message: 'appears more than once in the zip; an unzip program may show either copy',
    })),
    read: (path, maxBytes) => zip.read(path, maxBytes),
    open: (path) => zip.stream(path),
    close: () => zip.close(),
  };
}

async function digest(stream: Readable): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

function reason(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

export async function verifyBundle(path: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const problems: VerifyProblem[] = [];
  let expectedFingerprint: string | null = null;
  if (options.fingerprint !== undefined) {
    expectedFingerprint = normaliseFingerprint(options.fingerprint);
    if (expectedFingerprint === null) {
      problems.push({ file: '--fingerprint', kind: 'key', message: 'is not a key fingerprint (64 hex digits, as `mimamori keys show` prints it)' });
    }
  }
  const result = (fields: Partial<VerifyResult>): VerifyResult => ({
    verified: false,
    integrity: false,
    expectedFingerprint,
    bundle: path,
    form: null,
    key: { source: 'none', fingerprint: null },
    signature: 'not-checked',
    originProven: false,
    manifest: null,
    manifestSha256: null,
    filesMatched: 0,
    filesListed: 0,
    ...fields,
    problems,
  });

  let bundle: BundleFiles;
  try {
    // The bundle itself may be reached through a symlink (a mounted share); inside it, none is followed.
    const info = await stat(path);
    if (info.isDirectory()) bundle = await openDirectory(path);
    else if (info.isFile()) bundle = await openZip(path);
    else {
      problems.push({ file: path, kind: 'bundle', message: 'is neither a folder nor a zip file' });
      return result({});
    }
  } catch (err) {
    problems.push({ file: path, kind: 'bundle', message: `cannot be read as a bundle folder or zip: ${reason(err)}` });
    return result({});
  }

  try {
    problems.push(...bundle.listingProblems);
    const form = bundle.form;

    // The key: the caller's (proves origin) or the bundle's own (proves integrity only).
    let key: KeyObject | null = null;
    let keySource: VerifyResult['key']['source'] = 'none';
    if (options.publicKeyPem !== undefined) {
      const parsed = parsePublicKeyPem(options.publicKeyPem);
      if ('key' in parsed) [key, keySource] = [parsed.key, 'given'];
      else problems.push({ file: '--key', kind: 'key', message: `the public key given is ${parsed.error}` });
    } else if (bundle.files.has(PUBLIC_KEY_FILE)) {
      try {
        const parsed = parsePublicKeyPem((await bundle.read(PUBLIC_KEY_FILE, MAX_SMALL_FILE_BYTES)).toString('utf8'));
        if ('key' in parsed) [key, keySource] = [parsed.key, 'bundled'];
        else problems.push({ file: PUBLIC_KEY_FILE, kind: 'key', message: `is ${parsed.error}` });
      } catch (err) {
        problems.push({ file: PUBLIC_KEY_FILE, kind: 'unreadable', message: `cannot be read: ${reason(err)}` });
      }
    } else {
      problems.push({ file: PUBLIC_KEY_FILE, kind: 'missing', message: 'is missing and no --key was given: the signature cannot be checked' });
    }
    const keyInfo = { source: keySource, fingerprint: key ? publicKeyFingerprint(key) : null };
    if (expectedFingerprint !== null && keyInfo.fingerprint !== null && keyInfo.fingerprint !== expectedFingerprint) {
      problems.push({
        file: keySource === 'given' ? '--key' : PUBLIC_KEY_FILE, kind: 'origin',
        message: `has fingerprint ${keyInfo.fingerprint}, not the ${expectedFingerprint} given: this bundle was not signed by that device`,
      });
    }

    if (!bundle.files.has(MANIFEST_FILE)) {
      problems.push({ file: MANIFEST_FILE, kind: 'missing', message: 'is missing: nothing in the bundle can be checked' });
      return result({ form, key: keyInfo });
    }
    let manifestBytes: Buffer;
    try {
      manifestBytes = await bundle.read(MANIFEST_FILE, MAX_MANIFEST_BYTES);
    } catch (err) {
      problems.push({ file: MANIFEST_FILE, kind: 'unreadable', message: `cannot be read: ${reason(err)}` });
      return result({ form, key: keyInfo });
    }
    const manifestSha256 = sha256Hex(manifestBytes);

    // Signature first and over the raw bytes: a manifest that does not parse still gets its verdict.
    let signature: VerifyResult['signature'] = 'not-checked';
    if (!bundle.files.has(SIGNATURE_FILE)) {
      problems.push({ file: SIGNATURE_FILE, kind: 'missing', message: 'is missing: the manifest is not signed' });
    } else if (key) {
      try {
        const check = checkManifestSignature(manifestBytes, (await bundle.read(SIGNATURE_FILE, MAX_SMALL_FILE_BYTES)).toString('utf8'), key);
        signature = check.valid ? 'valid' : 'invalid';
        if (!check.valid) {
          problems.push({ file: MANIFEST_FILE, kind: 'signature', message: `signature check failed: ${check.reason} (manifest.json or manifest.sig was changed, or this is not the device's key)` });
        }
      } catch (err) {
        problems.push({ file: SIGNATURE_FILE, kind: 'unreadable', message: `cannot be read: ${reason(err)}` });
      }
    }

    const parsed = parseManifest(manifestBytes);
    if ('problems' in parsed) {
      for (const p of parsed.problems) problems.push({ file: MANIFEST_FILE, kind: 'manifest', message: `is not a valid bundle manifest: ${p}` });
      return result({ form, key: keyInfo, signature, manifestSha256 });
    }
    const manifest = parsed.manifest;

    let filesMatched = 0;
    const listed = new Set<string>();
    for (const f of [...manifest.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
      listed.add(f.path);
      const size = bundle.files.get(f.path);
      if (size === undefined) {
        if (!bundle.listingProblems.some((p) => p.file === f.path)) {
          problems.push({ file: f.path, kind: 'missing', message: 'is listed in the manifest but missing from the bundle' });
        }
        continue;
      }
      if (size !== f.bytes) {
        problems.push({ file: f.path, kind: 'size', message: `is ${size} bytes, the manifest says ${f.bytes}: the file was changed` });
        continue;
      }
      try {
        const found = await digest(await bundle.open(f.path));
        if (found.bytes !== f.bytes) {
          problems.push({ file: f.path, kind: 'size', message: `read ${found.bytes} bytes, the manifest says ${f.bytes}: the file was changed` });
        } else if (found.sha256 !== f.sha256) {
          problems.push({ file: f.path, kind: 'sha256', message: `SHA-256 ${found.sha256} differs from the manifest's ${f.sha256}: the file was changed` });
        } else {
          filesMatched += 1;
        }
      } catch (err) {
        problems.push({ file: f.path, kind: 'unreadable', message: `cannot be read: ${reason(err)}` });
      }
    }
    const extras = [...bundle.files.keys()].filter((p) => !listed.has(p) && p !== MANIFEST_FILE && p !== SIGNATURE_FILE).sort();
    for (const p of extras) {
      problems.push({ file: p, kind: 'extra', message: 'is in the bundle but not listed in the manifest: it was added after signing and is not covered by the signature' });
    }

    const integrity = !problems.some((p) => !isOriginProblem(p)) && signature === 'valid' && filesMatched === manifest.files.length;
    const vouched = expectedFingerprint !== null ? keyInfo.fingerprint === expectedFingerprint : keySource === 'given';
    const originProven = integrity && vouched;
    return result({
      verified: originProven,
      integrity,
      form,
      key: keyInfo,
      signature,
      originProven,
      manifest,
      manifestSha256,
      filesMatched,
      filesListed: manifest.files.length,
    });
  } finally {
    bundle.close();
  }
}

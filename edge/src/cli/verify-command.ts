/**
 * `mimamori verify <bundle> [--key device-public-key.pem | --fingerprint <hex>] [--integrity-only]`:
 * checks an evidence bundle on any machine (the investigator's, not the device): signature, every
 * file's size and SHA-256, nothing missing or added, and who signed it. No config and no database
 * are read.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { normaliseFingerprint, verifyBundle, type VerifyOptions, type VerifyResult } from '../evidence/verify-bundle.js';

const HELP = `usage: mimamori verify <bundle-folder-or-zip> [--key device-public-key.pem] [--fingerprint <hex>] [--integrity-only] [--json]

  --key             the device's public key, obtained from the device (\`mimamori keys show\`):
                    the signature must be valid under it, which proves the device signed it.
  --fingerprint     the device's key fingerprint, obtained from the device (\`mimamori keys show\`):
                    the signing key must have it. Either of the two proves origin.
  --integrity-only  without --key or --fingerprint, accept a bundle whose files are unchanged since
                    it was signed by the key inside it. That does NOT prove who signed it: anyone
                    can replace footage and re-sign the bundle with a key of their own.
  --json            print the result as one JSON object

Exit code 0 when VERIFIED (integrity and origin; with --integrity-only, integrity), 1 otherwise,
2 for a usage error.`;

function describe(result: VerifyResult, integrityOnly: boolean): string[] {
  const lines: string[] = [];
  const m = result.manifest;
  lines.push(`bundle: ${result.bundle}${result.form ? ` (${result.form === 'zip' ? 'zip' : 'folder'})` : ''}`);
  if (m) {
    const device = m.device;
    lines.push(`manifest: case ${m.hold.caseNumber}, hold ${m.hold.id}, device ${device.deviceId}, exported ${m.exportedAt.at}, ${m.files.length} files listed`);
    lines.push(`range: ${m.range.from.at} to ${m.range.to.at}`);
  }
  if (result.key.source === 'given') {
    lines.push(`key: given with --key, fingerprint ${result.key.fingerprint ?? '?'}`);
  } else if (result.key.source === 'bundled') {
    lines.push(`key: device-public-key.pem from the bundle itself, fingerprint ${result.key.fingerprint ?? '?'}`);
    if (result.expectedFingerprint === null) {
      lines.push('note: a key taken from the bundle proves the files are unchanged since they were signed, NOT that this');
      lines.push('      device signed them. Compare the fingerprint with `mimamori keys show` on the device, or verify');
      lines.push('      with --key or --fingerprint obtained from the device.');
    }
  }
  if (result.expectedFingerprint !== null) lines.push(`expected fingerprint: ${result.expectedFingerprint} (--fingerprint)`);
  for (const p of result.problems) lines.push(`problem: ${p.file}: ${p.message}`);
  const files = `${result.filesMatched} of ${result.filesListed} files match the manifest, none missing or added`;
  if (result.verified) {
    lines.push(`VERIFIED: signature valid, ${files}; ` +
      (result.key.source === 'given' ? 'signed by the key given' : 'signed by the key with the fingerprint given'));
  } else if (result.integrity && result.problems.length === 0) {
    lines.push(`${integrityOnly ? 'INTEGRITY VERIFIED' : 'NOT VERIFIED'}: integrity only, origin NOT proven: signature valid under the bundle's own key, ${files}` +
      (integrityOnly ? '' : '; give --key or --fingerprint from the device, or --integrity-only to accept integrity alone'));
  } else {
    const n = result.problems.length;
    lines.push(`NOT VERIFIED: ${n === 0 ? 'the signature could not be checked' : `${n} problem${n === 1 ? '' : 's'}`}`);
  }
  return lines;
}

export async function runVerifyCommand(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        key: { type: 'string' },
        fingerprint: { type: 'string' },
        'integrity-only': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    console.error(`mimamori verify: ${(err as Error).message}\n${HELP}`);
    return 2;
  }
  if (args.values.help) {
    console.log(HELP);
    return 0;
  }
  const [bundle, ...extra] = args.positionals;
  if (bundle === undefined || extra.length > 0) {
    console.error(`mimamori verify: give exactly one bundle folder or zip\n${HELP}`);
    return 2;
  }
  const options: { -readonly [K in keyof VerifyOptions]: VerifyOptions[K] } = {};
  if (args.values.key !== undefined) {
    try {
      options.publicKeyPem = await readFile(args.values.key, 'utf8');
    } catch (err) {
      console.error(`mimamori verify: --key ${args.values.key}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      return 2;
    }
  }
  if (args.values.fingerprint !== undefined) {
    if (normaliseFingerprint(args.values.fingerprint) === null) {
      console.error(`mimamori verify: --fingerprint ${args.values.fingerprint}: not a key fingerprint (64 hex digits, as \`mimamori keys show\` prints it)`);
      return 2;
    }
    options.fingerprint = args.values.fingerprint;
  }
  const integrityOnly = args.values['integrity-only'];
  const result = await verifyBundle(bundle, options);
  if (args.values.json) console.log(JSON.stringify(result));
  else for (const line of describe(result, integrityOnly)) console.log(line);
  if (result.verified) return 0;
  return integrityOnly && result.integrity && result.problems.length === 0 ? 0 : 1;
}

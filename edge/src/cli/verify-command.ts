/**
 * `mimamori verify <bundle> [--key device-public-key.pem]`: checks an evidence bundle on any
 * machine (the investigator's, not the device): signature, every file's size and SHA-256, nothing
 * missing or added. No config and no database are read.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { verifyBundle, type VerifyResult } from '../evidence/verify-bundle.js';

const HELP = `usage: mimamori verify <bundle-folder-or-zip> [--key device-public-key.pem] [--json]

  --key   the device's public key, obtained from the device (\`mimamori keys show\`). Without it the
          key inside the bundle is used: that proves the files are unchanged since signing, not
          who signed them.
  --json  print the result as one JSON object

Exit code 0 when VERIFIED, 1 when NOT VERIFIED, 2 for a usage error.`;

function describe(result: VerifyResult): string[] {
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
    lines.push('note: a key taken from the bundle proves the files are unchanged since they were signed, NOT that this');
    lines.push('      device signed them. Compare the fingerprint with `mimamori keys show` on the device, or verify');
    lines.push('      with --key and the public key obtained from the device.');
  }
  for (const p of result.problems) lines.push(`problem: ${p.file}: ${p.message}`);
  if (result.verified) {
    lines.push(`VERIFIED: signature valid, ${result.filesMatched} of ${result.filesListed} files match the manifest, none missing or added` +
      (result.originProven ? '; signed by the key given' : '; origin not proven (key from the bundle)'));
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
      options: { key: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
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
  let publicKeyPem: string | undefined;
  if (args.values.key !== undefined) {
    try {
      publicKeyPem = await readFile(args.values.key, 'utf8');
    } catch (err) {
      console.error(`mimamori verify: --key ${args.values.key}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      return 2;
    }
  }
  const result = await verifyBundle(bundle, publicKeyPem === undefined ? {} : { publicKeyPem });
  if (args.values.json) console.log(JSON.stringify(result));
  else for (const line of describe(result)) console.log(line);
  return result.verified ? 0 : 1;
}

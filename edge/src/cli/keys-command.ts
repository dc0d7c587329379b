/**
 * `mimamori keys show`: the device's evidence-signing identity, to hand to the police or the bank
 * beforehand so they can check exports with `mimamori verify --key`. Creates the key when the
 * agent has never started, so the identity can be published before the device goes live.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { loadOrCreateDeviceKeys } from '../evidence/device-keys.js';

const HELP = 'usage: mimamori keys show --config <site.yaml> [--json]';

export async function runKeysCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === 'help' || sub === '-h') {
    console.log(HELP);
    return 0;
  }
  if (sub !== 'show') {
    console.error(`mimamori keys: unknown subcommand "${sub ?? ''}"\n${HELP}`);
    return 2;
  }
  let values;
  try {
    ({ values } = parseArgs({ args: rest, options: { config: { type: 'string' }, json: { type: 'boolean', default: false } } }));
  } catch (err) {
    console.error(`mimamori keys show: ${(err as Error).message}\n${HELP}`);
    return 2;
  }
  if (!values.config) {
    console.error(`mimamori keys show: --config is required\n${HELP}`);
    return 2;
  }
  const config = await loadConfig(values.config);
  const keys = loadOrCreateDeviceKeys(resolve(config.dataDir));
  if (values.json) {
    console.log(JSON.stringify({
      deviceId: keys.deviceId, fingerprint: keys.fingerprint, algorithm: 'ed25519', publicKeyPem: keys.publicKeyPem, created: keys.created,
    }));
    return 0;
  }
  if (keys.created) console.error(`mimamori keys show: created a new device key at ${keys.file}`);
  console.log(`device id    ${keys.deviceId}`);
  console.log(`algorithm    Ed25519`);
  console.log(`fingerprint  ${keys.fingerprint}  (SHA-256 of the DER public key)`);
  process.stdout.write(keys.publicKeyPem);
  return 0;
}

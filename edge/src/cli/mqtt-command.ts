/**
 * `mimamori mqtt credentials`: the embedded broker's logins, to set up the site's devices (ATM
 * displays, clerk handhelds, the relay, a bank's controller). Creates them when the agent has
 * never started, and adds the users of ATM ids new in the config, so devices can be set up before
 * the agent runs; a running agent reads the file again when one of the added users logs in.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { configuredUsernames, loadOrCreateBrokerCredentials } from '../mqtt/broker-credentials.js';

const HELP = `usage: mimamori mqtt credentials --config <site.yaml> [--json]

  Prints the username and password of every device of the embedded MQTT broker, from
  <dataDir>/mqtt/credentials.json (created at first use). --json prints that file's object.`;

export async function runMqttCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === 'help' || sub === '-h') {
    console.log(HELP);
    return 0;
  }
  if (sub !== 'credentials') {
    console.error(`mimamori mqtt: unknown subcommand "${sub ?? ''}"\n${HELP}`);
    return 2;
  }
  let values;
  try {
    ({ values } = parseArgs({ args: rest, options: { config: { type: 'string' }, json: { type: 'boolean', default: false } } }));
  } catch (err) {
    console.error(`mimamori mqtt credentials: ${(err as Error).message}\n${HELP}`);
    return 2;
  }
  if (!values.config) {
    console.error(`mimamori mqtt credentials: --config is required\n${HELP}`);
    return 2;
  }
  const config = await loadConfig(values.config);
  if (config.mqtt.url) {
    console.error(`mimamori mqtt credentials: ${values.config}: mqtt.url is set, so the agent uses that broker and not the embedded one; its users are in that broker's password file (deploy/mosquitto/README.md)`);
    return 1;
  }
  const { file, credentials, added } = loadOrCreateBrokerCredentials(config.dataDir, configuredUsernames(config));
  if (added.length > 0) console.error(`mimamori mqtt credentials: added ${added.join(', ')} to ${file}`);
  if (values.json) {
    console.log(JSON.stringify(credentials));
    return 0;
  }
  const { host, port, wsPort } = config.mqtt.embedded;
  console.log(`# ${file}`);
  console.log(`# broker mqtt://${host}:${port}, WebSocket ws://${host}:${wsPort}/mqtt`);
  const width = Math.max(...Object.keys(credentials).map((u) => u.length));
  for (const [user, password] of Object.entries(credentials)) console.log(`${user.padEnd(width)}  ${password}`);
  return 0;
}

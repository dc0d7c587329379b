#!/usr/bin/env node
/** `mimamori <command>`: the edge agent's command line. */
import { readPackageVersion } from '../package/package-version.js';

const USAGE = `usage: mimamori <command> [options]

commands:
  run --config site.yaml        run the edge agent (cameras, tracking, behaviours, events, recording)
  status [--config site.yaml]   cameras' state from the running agent
  events list --config <file>   stored events (--json for JSON lines)
  analyze <image-or-video...>   analyse files; --json for one JSON object per frame
  users add|passwd|disable|list|kiosk-token   dashboard accounts and ATM kiosk tokens
  export --hold <id> --out <dir|zip>   signed evidence bundle of a legal hold
  verify <bundle> [--key <pem>]        check an evidence bundle (runs anywhere, no config)
  hold create|list|release      legal holds: footage kept until released (audited)
  audit verify|list             check and show the hash-chained audit log
  keys show                     the device's evidence-signing key: id, fingerprint, public key
  mqtt credentials --config <file>   the embedded MQTT broker's device logins (--json)
  retention plan|run --config <file>   what footage retention would delete and why (dry run), or run it now
  version                       print the version

Run "mimamori <command> --help" for the options of a command.`;

/**
 * Each command is imported only when it runs: `verify` on an investigator's laptop must not load
 * onnxruntime, sharp and SQLite, and every CLI start stays cheap on a small edge PC.
 */
const COMMANDS: Record<string, () => Promise<(argv: string[]) => Promise<number>>> = {
  analyze: async () => (await import('./analyze-command.js')).runAnalyzeCommand,
  run: async () => (await import('./run-command.js')).runRunCommand,
  status: async () => (await import('./status-command.js')).runStatusCommand,
  events: async () => (await import('./events-command.js')).runEventsCommand,
  users: async () => (await import('./users-command.js')).runUsersCommand,
  export: async () => (await import('./export-command.js')).runExportCommand,
  verify: async () => (await import('./verify-command.js')).runVerifyCommand,
  hold: async () => (await import('./hold-command.js')).runHoldCommand,
  audit: async () => (await import('./audit-command.js')).runAuditCommand,
  keys: async () => (await import('./keys-command.js')).runKeysCommand,
  mqtt: async () => (await import('./mqtt-command.js')).runMqttCommand,
  retention: async () => (await import('./retention-command.js')).runRetentionCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const load = command === undefined ? undefined : Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (load) return (await load())(rest);
  switch (command) {
    case 'version':
    case '--version':
      console.log(readPackageVersion());
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`mimamori: unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`mimamori: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);

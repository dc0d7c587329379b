#!/usr/bin/env node
/** `mimamori <command>`: the edge agent's command line. */
import { runAnalyzeCommand } from './analyze-command.js';
import { runEventsCommand } from './events-command.js';
import { runRunCommand } from './run-command.js';
import { runStatusCommand } from './status-command.js';
import { runUsersCommand } from './users-command.js';
import { readPackageVersion } from './package-version.js';

const USAGE = `usage: mimamori <command> [options]

commands:
  run [--config site.yaml]      run the edge agent (cameras, tracking, behaviours, events, recording)
  status [--config site.yaml]   cameras' state from the running agent
  events list --config <file>   stored events (--json for JSON lines)
  analyze <image-or-video...>   analyse files; --json for one JSON object per frame
  users add|passwd|disable|list|kiosk-token   dashboard accounts and ATM kiosk tokens
  version                       print the version

Run "mimamori <command> --help" for the options of a command.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'analyze':
      return runAnalyzeCommand(rest);
    case 'run':
      return runRunCommand(rest);
    case 'status':
      return runStatusCommand(rest);
    case 'events':
      return runEventsCommand(rest);
    case 'users':
      return runUsersCommand(rest);
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

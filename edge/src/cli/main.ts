#!/usr/bin/env node
/** `mimamori <command>`: the edge agent's command line. */
import { runAnalyzeCommand } from './analyze-command.js';
import { readPackageVersion } from './package-version.js';

const USAGE = `usage: mimamori <command> [options]

commands:
  analyze <image-or-video...>   analyse files; --json for one JSON object per frame
  version                       print the version

Run "mimamori <command> --help" for the options of a command.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'analyze':
      return runAnalyzeCommand(rest);
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

/**
 * Reads a YAML/JSON config file and validates it, listing every problem by path. A site file must
 * name its site (and, for `mimamori run`, its cameras); an empty one is refused with the smallest
 * valid file in the message, so the fix is on screen.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { dataDirProblem } from './data-dir.js';
import { agentConfigSchema, type Config, configSchema, siteFileSchema } from './schema.js';

/** The smallest file `mimamori run` accepts; shown when a file lacks what it needs. */
export const SMALLEST_SITE_FILE = [
  'site: store-001',
  'cameras:',
  '  - id: atm1',
  '    source: rtsp://user:pass@192.168.1.20/stream1',
].join('\n');

export class ConfigError extends Error {
  constructor(readonly file: string, readonly problems: string[], hint?: string, options?: ErrorOptions) {
    super(`${file}: invalid config\n${problems.map((p) => `  ${p}`).join('\n')}${hint ? `\n${hint}` : ''}`, options);
    this.name = 'ConfigError';
  }
}

const SMALLEST_HINT = `The smallest site file (every other key has a default; see docs/configuration.md):\n${SMALLEST_SITE_FILE.replace(/^/gm, '  ')}`;

/** `cameras[1].zones[0].polygon` from zod's path array. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(root)';
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
}

/** Which schema a file is held to: any command's site file, or the one `mimamori run` starts. */
export type ConfigUse = 'site' | 'agent';

/** Validates `raw` with `schema`; the default lets every key fall back to its default (inline config: tools and tests). */
export function parseConfig(raw: unknown, file = '(inline)', schema: z.ZodType<Config> = configSchema): Config {
  const result = schema.safeParse(raw ?? {});
  if (!result.success) {
    const problems = formatIssues(result.error.issues);
    // Not an object, no site or no camera: the file is far from a site, so show what one looks like.
    const lacksTheBasics = result.error.issues.some((i) => i.path.length === 0 || (i.path.length === 1 && /^required: |^at least one camera/.test(i.message)));
    throw new ConfigError(file, problems, lacksTheBasics ? SMALLEST_HINT : undefined);
  }
  return result.data;
}

/**
 * A site file for any command (`use: 'site'`), or for running the agent (`use: 'agent'`: at least
 * one camera). The data directory is checked here too, so every command names `dataDir` rather
 * than failing later inside the store.
 */
export async function loadConfig(file: string, use: ConfigUse = 'site'): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`], undefined, { cause: err });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(file, [`not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  // An empty file (or one of comments only) is a wrong path or an unfinished edit, never a site.
  if (raw === null || raw === undefined) throw new ConfigError(file, ['the file is empty'], SMALLEST_HINT);
  const config = parseConfig(raw, file, use === 'agent' ? agentConfigSchema : siteFileSchema);
  const dataDir = await dataDirProblem(resolve(config.dataDir));
  if (dataDir) throw new ConfigError(file, [`dataDir: ${dataDir}`]);
  return config;
}

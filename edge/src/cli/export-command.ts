/**
 * `mimamori export --config site.yaml --hold <id> --out <folder|file.zip> [--by <name>]`: the
 * signed evidence bundle of a legal hold, recorded in the audit log (evidence/run-export.ts, shared
 * with the HTTP API). An export that cannot be audited is removed again: no evidence leaves unrecorded.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loginName } from '../auth/login-name.js';
import { loadConfig } from '../config/load.js';
import { ExportRefusedError, type ExportResult } from '../evidence/export-bundle.js';
import { runExport } from '../evidence/run-export.js';
import { createLogger } from '../log/logger.js';
import { locateFfmpeg } from '../ffmpeg/ffmpeg-binaries.js';
import { actor } from '../store/audit-repository.js';
import { StoreValidationError, openStore, type HoldRecord, type Store } from '../store/store.js';

const HELP = `usage: mimamori export --config <site.yaml> --hold <id> --out <folder|file.zip> [--by <name>]

  --out folder    a new folder for the bundle; if the folder exists, the bundle is created inside it
                  as mimamori-evidence-<case>-<time>
  --out file.zip  the bundle as one zip file
  --by name       who makes the export, for the audit log (default: the login name)

An existing output is never replaced. Check a bundle with \`mimamori verify <bundle>\`.`;

function summary(hold: HoldRecord, r: ExportResult): string[] {
  const mb = (r.totalBytes / 1e6).toFixed(1);
  return [
    `exported hold ${hold.id} (case ${hold.caseNumber}) to ${r.path}`,
    ...r.cameras.map((c) => `  camera ${c.id}: ${c.segments} segment(s)${c.missing ? `, ${c.missing} indexed segment(s) missing on disk` : ''}${c.segments === 0 && c.missing === 0 ? ' (no footage in the range)' : ''}`),
    `  events: ${r.events}`,
    `  files: ${r.fileCount - 2} listed in manifest.json, plus manifest.json and its signature manifest.sig (${mb} MB)`,
    `  manifest SHA-256: ${r.manifestSha256}`,
    `  device key fingerprint: ${r.keyFingerprint}`,
    `check it with: mimamori verify ${r.path} --key <the device's public key>`,
  ];
}

export async function runExportCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        hold: { type: 'string' },
        out: { type: 'string' },
        by: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    console.error(`mimamori export: ${(err as Error).message}\n${HELP}`);
    return 2;
  }
  const { values } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  for (const required of ['config', 'hold', 'out'] as const) {
    if (!values[required]) {
      console.error(`mimamori export: --${required} is required\n${HELP}`);
      return 2;
    }
  }
  const by = values.by ?? loginName();
  const byCheck = actor.safeParse(by);
  if (!byCheck.success) {
    console.error(`mimamori export: --by: ${byCheck.error.issues.map((i) => i.message).join('; ')}`);
    return 2;
  }
  const holdId = values.hold as string;
  const config = await loadConfig(values.config as string);
  const store = openStore(resolve(config.dataDir));
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => controller.abort(new Error(`interrupted by ${signal}`));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const hold = findHold(store, holdId);
    if (!hold) {
      console.error(`mimamori export: hold ${holdId} not found (see \`mimamori hold list\`)`);
      return 2;
    }
    if (hold.releasedAt !== null) console.error(`mimamori export: note: hold ${hold.id} was released; exporting what is still recorded`);
    const result = await runExport({
      store,
      hold,
      cameras: hold.cameras.length > 0 ? hold.cameras : config.cameras.map((c) => c.id),
      out: values.out as string,
      by: byCheck.data,
      site: config.site,
      ffmpegPath: locateFfmpeg(config.ffmpeg.ffmpegPath).path,
      signal: controller.signal,
      log: createLogger('export'),
    });
    for (const line of summary(hold, result)) console.log(line);
    return 0;
  } catch (err) {
    if (controller.signal.aborted) {
      console.error(`mimamori export: ${(controller.signal.reason as Error).message}; the incomplete export was removed`);
      return 1;
    }
    console.error(`mimamori export: ${(err as Error).message}`);
    // Refused (output exists, no such folder): a usage problem. No footage, ffmpeg, disk: a failure.
    return err instanceof ExportRefusedError ? 2 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    store.close();
  }
}

function findHold(store: Store, id: string): HoldRecord | null {
  try {
    return store.holds.get(id);
  } catch (err) {
    // An id the store refuses outright (too long, empty) names no hold either.
    if (err instanceof StoreValidationError) return null;
    throw err;
  }
}

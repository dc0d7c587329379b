/**
 * `mimamori retention plan|run`: what the retention cleaner would delete now and why (a dry run),
 * or a run on demand. Both work on the store of a site config whether or not the agent is running:
 * deletion re-checks holds in a write transaction, so a run here and the agent's cleaner cannot
 * delete held footage or trip over each other (a file one of them deleted is "missing" to the other).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { createLogger } from '../log/logger.js';
import { RetentionCleaner, type RetentionRunReport } from '../retention/retention-cleaner.js';
import type { RetentionPlan } from '../retention/retention-plan.js';
import { formatTimestamp, openStore } from '../store/store.js';

const HELP = `usage: mimamori retention plan --config <site.yaml> [--json] [--limit <n>]
       mimamori retention run --config <site.yaml> [--json] [--sweep]

  plan     what would be deleted now and why, with bytes (deletes nothing); --limit lines of
           segments in the text output (default 20; --json lists them all)
  run      delete now what the plan says (holds are re-checked as files are deleted); --sweep
           first makes the index match the recordings folder, as the agent does at start`;

export async function runRetentionCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(HELP);
    return 0;
  }
  if (sub !== 'plan' && sub !== 'run') {
    console.error(`mimamori retention: unknown subcommand "${sub ?? ''}"\n${HELP}`);
    return 2;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        config: { type: 'string' },
        json: { type: 'boolean', default: false },
        limit: { type: 'string', default: '20' },
        sweep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    console.error(`mimamori retention ${sub}: ${(err as Error).message}\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.config) {
    console.error(`mimamori retention ${sub}: --config is required\n${HELP}`);
    return 2;
  }
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 0) {
    console.error(`mimamori retention ${sub}: --limit must be a whole number, 0 or more`);
    return 2;
  }
  if (sub === 'plan' && values.sweep) {
    console.error('mimamori retention plan: --sweep is for run (plan changes nothing)');
    return 2;
  }
  const config = await loadConfig(values.config);
  const store = openStore(resolve(config.dataDir));
  const cleaner = new RetentionCleaner(store, { config: config.retention, log: createLogger('retention'), ffprobePath: config.ffmpeg.ffprobePath });
  try {
    if (sub === 'plan') {
      const plan = await cleaner.plan();
      console.log(values.json ? JSON.stringify(planJson(plan)) : planText(plan, limit));
    } else {
      if (values.sweep) await cleaner.sweep();
      const report = await cleaner.runOnce();
      console.log(values.json ? JSON.stringify(reportJson(report)) : reportText(report));
    }
  } finally {
    await cleaner.close();
    store.close();
  }
  return 0;
}

/** The documented JSON of `retention plan --json`. */
export function planJson(plan: RetentionPlan): Record<string, unknown> {
  return {
    at: formatTimestamp(plan.now),
    continuousBefore: formatTimestamp(plan.horizonMs),
    disk: {
      measure: plan.pressure.measure, usedBytes: plan.pressure.usedBytes, budgetBytes: plan.pressure.budgetBytes,
      overBudget: plan.pressure.overBudget, toFreeBytes: plan.pressure.targetFreeBytes,
    },
    segments: plan.deletions.length,
    bytes: plan.bytes,
    reasons: plan.totals,
    complete: plan.complete,
    storageFull: plan.storageFull,
    shortfallBytes: plan.shortfallBytes,
    deletions: plan.deletions.map((d) => ({
      camera: d.camera, path: d.path, start: formatTimestamp(d.startMs), end: formatTimestamp(d.endMs), bytes: d.bytes, reason: d.reason,
    })),
  };
}

function planText(plan: RetentionPlan, limit: number): string {
  const p = plan.pressure;
  const lines = [
    `disk (${p.measure === 'disk' ? 'filesystem' : 'recorded segments'}): ${gb(p.usedBytes)} used, budget ${gb(p.budgetBytes)}: ` +
      (p.overBudget ? `over budget, ${gb(p.targetFreeBytes)} to free` : 'within budget'),
    `continuous footage ending before ${formatTimestamp(plan.horizonMs)} has expired`,
    `would delete ${plan.deletions.length} segments, ${gb(plan.bytes)}${plan.complete ? '' : ' (a first batch: more would follow)'}`,
  ];
  for (const [reason, t] of Object.entries(plan.totals)) {
    if (t.segments > 0) lines.push(`  ${reason}: ${t.segments} segments, ${gb(t.bytes)}`);
  }
  if (plan.storageFull) lines.push(`storage_full: only held footage would be left, still ${gb(plan.shortfallBytes)} over budget; recording would stop`);
  for (const d of plan.deletions.slice(0, limit)) {
    lines.push(`${formatTimestamp(d.startMs)}  ${d.camera}  ${d.reason}  ${d.bytes} B  ${d.path}`);
  }
  if (plan.deletions.length > limit) lines.push(`… and ${plan.deletions.length - limit} more (--limit, or --json for all)`);
  return lines.join('\n');
}

function reportJson(r: RetentionRunReport): Record<string, unknown> {
  return {
    at: formatTimestamp(r.at), ms: r.ms, deleted: r.deleted, bytesFreed: r.bytesFreed, reasons: r.reasons, missing: r.missing,
    mismatched: r.mismatched, refused: r.refused, heldMeanwhile: r.heldMeanwhile, failed: r.failed, complete: r.complete, storageFull: r.storageFull,
    usedBytes: r.usedBytes, budgetBytes: r.budgetBytes,
  };
}

function reportText(r: RetentionRunReport): string {
  const lines = [`deleted ${r.deleted} segments, ${gb(r.bytesFreed)} freed in ${r.ms} ms`];
  for (const [reason, t] of Object.entries(r.reasons)) {
    if (t.segments > 0) lines.push(`  ${reason}: ${t.segments} segments, ${gb(t.bytes)}`);
  }
  if (r.missing) lines.push(`${r.missing} index rows removed whose files were already gone`);
  if (r.mismatched) lines.push(`${r.mismatched} files had a size other than the index said`);
  if (r.refused) lines.push(`${r.refused} index rows were not recorder segments: removed, no file touched`);
  if (r.failed) lines.push(`${r.failed} files could not be deleted (see the log): kept in the index, tried again next run`);
  if (!r.complete) lines.push('backlog not worked off yet: run again');
  lines.push(`disk: ${gb(r.usedBytes)} used, budget ${gb(r.budgetBytes)}`);
  if (r.storageFull) lines.push('storage_full: only held footage is left and the disk is over budget');
  return lines.join('\n');
}

function gb(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${bytes} B`;
}

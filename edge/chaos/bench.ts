/**
 * `npm run bench:chaos [-- --runs 5 --only disk-fill,kill9-export --out artifacts/chaos.json]`:
 * every chaos scenario (scenarios/catalogue.ts) `--runs` times against the real agent, one run
 * at a time, then the table of docs/reliability.md — fault | runs | survived | events lost |
 * held files lost | recovery s (median, p90) — on stdout, and the same figures with every broken
 * invariant as JSON. A benchmark, not a test: it always exits 0 once the table is written.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { summarise } from '../bench/stats.js';
import { SCENARIOS } from './scenarios/catalogue.js';
import type { ScenarioResult } from './harness/verdict.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    only: { type: 'string' },
    out: { type: 'string', default: 'artifacts/chaos.json' },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: a whole number of at least 1, got "${values.runs}"`);
const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
const unknown = only?.filter((id) => !SCENARIOS.some((s) => s.id === id)) ?? [];
if (unknown.length) throw new Error(`--only: unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
const chosen = SCENARIOS.filter((s) => !only || only.includes(s.id));

interface Row {
  id: string;
  fault: string;
  runs: number;
  survived: number;
  crashes: number;
  eventsLost: number;
  heldFilesLost: number;
  recovery: { median: number; p90: number } | null;
  /** Runs that did not recover at all. */
  unrecovered: number;
  results: ScenarioResult[];
}

const rows: Row[] = [];
for (const scenario of chosen) {
  const results: ScenarioResult[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = Date.now();
    const r = await scenario.run();
    results.push(r);
    console.error(JSON.stringify({ scenario: scenario.id, run: i + 1, survived: r.survived, recoveryS: r.recoveryS, broken: r.broken.length, s: (Date.now() - t0) / 1000 }));
  }
  const recoveries = results.map((r) => r.recoveryS).filter((s): s is number => s !== null);
  const summary = recoveries.length ? summarise(recoveries) : null;
  rows.push({
    id: scenario.id,
    fault: results[0]!.fault,
    runs,
    survived: results.filter((r) => r.survived).length,
    crashes: results.reduce((n, r) => n + r.crashes, 0),
    eventsLost: results.reduce((n, r) => n + r.eventsLost, 0),
    heldFilesLost: results.reduce((n, r) => n + r.heldFilesLost, 0),
    recovery: summary && { median: summary.median, p90: summary.p90 },
    unrecovered: results.length - recoveries.length,
    results,
  });
}

const fmt = (s: number): string => s.toFixed(1);
const lines = [
  '| fault | runs | survived | crashes | events lost | held files lost | recovery s (median, p90) |',
  '|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.fault} | ${r.runs} | ${r.survived} | ${r.crashes} | ${r.eventsLost} | ${r.heldFilesLost} | ${r.recovery ? `${fmt(r.recovery.median)}, ${fmt(r.recovery.p90)}` : '—'}${r.unrecovered ? ` (${r.unrecovered} not recovered)` : ''} |`),
];
console.log(lines.join('\n'));
const out = resolve(values.out);
await mkdir(dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify({
  at: new Date().toISOString(), runs, host: { cpus: cpus().length, loadavg: loadavg() }, rows,
}, null, 2)}\n`);
console.log(`\nwritten: ${out}`);

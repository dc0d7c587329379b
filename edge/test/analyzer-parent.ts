/**
 * A small real parent for lifetime tests of inference processes: starts an analyzer pool on the
 * planted models in `<dir>`, prints each inference process's pid as it is ready, and waits to be killed.
 *
 * usage: node --import tsx edge/test/analyzer-parent.ts <dir>
 */
import { startAnalyzerPool } from '../src/pipeline/analyze/analyzer-pool.js';
import { writePlantedAnalyzerModels } from './planted-analyzer.js';

const [dir] = process.argv.slice(2) as [string];
const models = await writePlantedAnalyzerModels(dir);
await startAnalyzerPool({ models, workers: 1 }, { onWorkerReady: (_i, child) => process.stdout.write(`${child.pid}\n`) });
setInterval(() => undefined, 60_000);

/**
 * Runs once before the test files: converts the models (cached after the first run) so that test
 * files can open sessions without each paying for, or racing on, the conversion.
 */
import { ensureModels } from '../../models/src/index.js';

export default async function setup(): Promise<void> {
  await ensureModels({ log: (entry) => console.log(JSON.stringify(entry)) });
}

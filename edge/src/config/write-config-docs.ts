/** `npm run docs:config`: writes docs/configuration.md from the config schema. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../../../models/src/index.js';
import { CONFIG_DOCS_PATH, renderConfigDocs } from './config-docs.js';

const file = join(packageRoot(), CONFIG_DOCS_PATH);
await writeFile(file, renderConfigDocs());
console.log(`wrote ${file}`);

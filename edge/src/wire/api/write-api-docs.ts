/** `npm run docs:api`: writes docs/api.md from the API contract. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../../../../models/src/index.js';
import { API_DOCS_PATH, renderApiDocs } from './api-docs.js';

const file = join(packageRoot(), API_DOCS_PATH);
await writeFile(file, renderApiDocs());
console.log(`wrote ${file}`);

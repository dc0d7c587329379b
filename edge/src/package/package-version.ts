import { readFileSync } from 'node:fs';
import { packageRoot } from '../../../models/src/index.js';

export function readPackageVersion(): string {
  const pkg = JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string };
  return pkg.version;
}

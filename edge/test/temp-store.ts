/** Stores in fresh temp folders for tests, closed and removed after each test. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { openStore, type Store, type StoreOptions } from '../src/store/store.js';

export function useTempStores(prefix: string): (options?: StoreOptions, dataDir?: string) => Store {
  const dirs: string[] = [];
  const stores: Store[] = [];
  afterEach(() => {
    for (const s of stores.splice(0)) s.close();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  return (options = {}, dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))) => {
    dirs.push(dataDir);
    const store = openStore(dataDir, options);
    stores.push(store);
    return store;
  };
}

/** The error `fn` throws, so a test can inspect its fields; fails when it does not throw. */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

/**
 * Zip form of an evidence bundle: yazl writes it, yauzl reads it back for verification. Both are
 * small, dependency-light and handle ZIP64, which hours of footage need (over 4 GiB or 65,535
 * entries). Video and JPEG are stored as they are (they do not compress); JSON and text deflate.
 * Files sit at the root of the zip, exactly as in the directory form.
 */
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import yazl from 'yazl';

const STORED = /\.(ts|mp4|jpe?g|png)$/i;

/**
 * Writes `files` (paths relative to `root`) into a new zip at `out` (created owner-only; an
 * existing file is never replaced) and flushes it to disk before returning.
 */
export async function writeZip(root: string, files: readonly string[], out: string, signal?: AbortSignal): Promise<void> {
  const zip = new yazl.ZipFile();
  const failed = new Promise<never>((_resolve, reject) => zip.on('error', reject));
  for (const rel of files) zip.addFile(join(root, rel), rel, { compress: !STORED.test(rel) });
  zip.end();
  const output = createWriteStream(out, { flags: 'wx', mode: 0o600 });
  // yazl reports a file it cannot read on the ZipFile, not on its output stream.
  await Promise.race([pipeline(zip.outputStream, output, signal ? { signal } : {}), failed]);
  const handle = await open(out, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface ZipEntryInfo {
  readonly name: string;
  readonly size: number;
}

/** A zip opened for reading; close() releases the file. */
export class ZipBundleReader {
  private constructor(
    private readonly zip: yauzl.ZipFile,
    /** File entries by name (directory entries are left out). */
    readonly entries: ReadonlyMap<string, yauzl.Entry>,
    /** Names that appear more than once: a reader could be shown either copy. */
    readonly duplicates: readonly string[],
  ) {}

  /** Opens `path`; yauzl refuses absolute names and ".." in entry names, which fails the open. */
  static async open(path: string): Promise<ZipBundleReader> {
    const zip = await yauzl.openPromise(path, { autoClose: false, strictFileNames: true, validateEntrySizes: true });
    const entries = new Map<string, yauzl.Entry>();
    const duplicates: string[] = [];
    try {
      for await (const entry of zip.eachEntry()) {
        if (entry.fileName.endsWith('/')) continue;
        if (entries.has(entry.fileName)) duplicates.push(entry.fileName);
        else entries.set(entry.fileName, entry);
      }
    } catch (err) {
      zip.close();
      throw err;
    }
    return new ZipBundleReader(zip, entries, duplicates);
  }

  list(): ZipEntryInfo[] {
    return [...this.entries.values()].map((e) => ({ name: e.fileName, size: e.uncompressedSize }));
  }

  /** The entry's data, decompressed; yauzl checks it is exactly the size the zip declares. */
  async stream(name: string): Promise<Readable> {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`${name}: not in the zip`);
    return this.zip.openReadStreamPromise(entry);
  }

  /** A small entry's bytes (manifest, signature, key); refuses anything over `maxBytes`. */
  async read(name: string, maxBytes: number): Promise<Buffer> {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`${name}: not in the zip`);
    if (entry.uncompressedSize > maxBytes) throw new Error(`${name}: ${entry.uncompressedSize} bytes, more than the ${maxBytes} expected`);
    const chunks: Buffer[] = [];
    for await (const chunk of await this.stream(name)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  close(): void {
    if (this.zip.isOpen) this.zip.close();
  }
}

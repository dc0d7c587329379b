/**
 * Splits ffmpeg's image2pipe PPM output (binary P6 images back to back) into RGB frames.
 * Chunks from the pipe split anywhere, including inside a header.
 */
import type { RgbFrame } from '../types.js';

const MAX_HEADER = 64;

export class PpmStreamParser {
  private header: number[] = [];
  private frame: Uint8Array | null = null;
  private width = 0;
  private height = 0;
  private filled = 0;

  constructor(private readonly onFrame: (frame: RgbFrame) => void) {}

  /** Feeds bytes from the pipe; throws on data that is not a P6 stream (the caller ends ffmpeg). */
  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.frame === null) {
        offset = this.readHeader(chunk, offset);
        continue;
      }
      const n = Math.min(this.frame.length - this.filled, chunk.length - offset);
      this.frame.set(chunk.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === this.frame.length) {
        // Each frame owns its buffer: the consumer may keep it or transfer it to a worker.
        const data = this.frame;
        this.frame = null;
        this.onFrame({ data, width: this.width, height: this.height });
      }
    }
  }

  private readHeader(chunk: Uint8Array, start: number): number {
    let offset = start;
    while (offset < chunk.length) {
      const byte = chunk[offset] as number;
      offset += 1;
      this.header.push(byte);
      const parsed = this.parseHeader();
      if (parsed) {
        this.header = [];
        this.width = parsed.width;
        this.height = parsed.height;
        this.frame = new Uint8Array(parsed.width * parsed.height * 3);
        this.filled = 0;
        return offset;
      }
      if (this.header.length > MAX_HEADER) {
        throw new Error(`not a PPM stream: header starts ${JSON.stringify(String.fromCharCode(...this.header.slice(0, 16)))}`);
      }
    }
    return offset;
  }

  /** A header is complete at the single whitespace byte after the fourth token (P6 W H maxval). */
  private parseHeader(): { width: number; height: number } | null {
    const last = this.header[this.header.length - 1] as number;
    if (!isSpace(last)) return null;
    const text = String.fromCharCode(...this.header.slice(0, -1));
    const tokens = text.trim().split(/\s+/);
    if (tokens.length < 4 || isSpace(this.header[this.header.length - 2] as number)) return null;
    const [magic, w, h, max] = tokens;
    const width = Number(w);
    const height = Number(h);
    if (magic !== 'P6' || tokens.length !== 4 || max !== '255' || !(width > 0) || !(height > 0)
      || !Number.isInteger(width) || !Number.isInteger(height)) {
      throw new Error(`not an 8-bit P6 PPM stream: header ${JSON.stringify(text)}`);
    }
    return { width, height };
  }
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

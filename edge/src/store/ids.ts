/**
 * Time-sortable event ids: UUIDv7 (RFC 9562) from node:crypto. The lowercase hex form sorts as
 * text in creation order, so `ORDER BY id` agrees with `ORDER BY started_at` for ids made here.
 */
import { randomBytes } from 'node:crypto';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function isUuidV7(id: string): boolean {
  return UUID_V7.test(id);
}

/** Millisecond timestamp of a UUIDv7. */
export function uuidV7Time(id: string): number {
  if (!isUuidV7(id)) throw new Error(`not a UUIDv7: ${id}`);
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

export interface UuidV7Generator {
  (nowMs?: number): string;
}

/**
 * Several ids within one millisecond (several tracks starting on one frame) must still sort in
 * creation order, so the 12-bit rand_a field is a counter within the millisecond (RFC 9562 §6.2
 * method 1); when it overflows, or the clock steps back, the timestamp is carried forward instead.
 */
export function createUuidV7Generator(clock: () => number = Date.now): UuidV7Generator {
  let lastMs = -1;
  let seq = 0;
  return (nowMs = clock()) => {
    if (!Number.isSafeInteger(nowMs) || nowMs < 0 || nowMs > 0xffff_ffff_ffff) {
      throw new RangeError(`UUIDv7 timestamp out of range: ${nowMs}`);
    }
    let ms = nowMs;
    if (ms > lastMs) {
      // Start low in the counter space so a busy millisecond has room before it overflows.
      seq = randomBytes(2).readUInt16BE(0) & 0x3ff;
    } else {
      ms = lastMs;
      seq += 1;
      if (seq > 0xfff) {
        ms += 1;
        seq = 0;
      }
    }
    lastMs = ms;
    const bytes = randomBytes(16);
    bytes.writeUIntBE(ms, 0, 6);
    bytes[6] = 0x70 | (seq >> 8);
    bytes[7] = seq & 0xff;
    bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}

/** Process-wide generator, so ids from every store in the process keep one order. */
export const newId: UuidV7Generator = createUuidV7Generator();

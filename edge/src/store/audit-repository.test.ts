import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, auditEntryHash, canonicalJson, verifyChain } from './audit-chain.js';
import { StoreValidationError, openStore } from './store.js';
import { thrown, useTempStores } from '../../test/temp-store.js';

const open = useTempStores('mimamori-audit-');
const T0 = Date.parse('2026-03-02T10:00:00+09:00');

function fill(store: ReturnType<typeof open>, n: number): void {
  for (let i = 1; i <= n; i += 1) {
    store.audit.append({ actor: `user${i}`, action: i % 2 ? 'clip.view' : 'export.download', subject: `subject-${i}`, details: { i } });
  }
}

/** Runs SQL on the database file behind the store's back, as someone with shell access could. */
function tamper(file: string, sql: string): void {
  const raw = new Sqlite(file);
  try {
    raw.exec(sql);
  } finally {
    raw.close();
  }
}

describe('canonical JSON', () => {
  it('sorts keys recursively, writes no whitespace, and keeps arrays in order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: true }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":true,"z":null}]},"b":1}');
    // Keys compare by UTF-16 code units (RFC 8785): uppercase before lowercase, ASCII before kana.
    expect(canonicalJson({ b: 0, B: 0, 'ä': 0, 'カ': 0, a: 0 })).toBe('{"B":0,"a":0,"b":0,"ä":0,"カ":0}');
    expect(canonicalJson({ n: [1e21, 0.1, -0, 1767225600000] })).toBe('{"n":[1e+21,0.1,0,1767225600000]}');
    expect(canonicalJson('line\nbreak "quoted" 日本')).toBe('"line\\nbreak \\"quoted\\" 日本"');
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/non-finite/);
    expect(() => canonicalJson({ x: new Date(0) })).toThrow(/not a JSON value/);
  });
});

describe('audit log', () => {
  it('chains entries from 64 zeros, with the documented hash, and verifies them', () => {
    let now = T0;
    const store = open({ now: () => now++ });
    const first = store.audit.append({ actor: 'sato', action: 'hold.create', subject: 'h1', details: { caseNumber: '2026-XYZ', cameras: ['atm1'] } });
    // The documented serialisation, written out by hand: a verifier elsewhere must get this hash.
    const text = `{"action":"hold.create","actor":"sato","at":${T0},"details":{"cameras":["atm1"],"caseNumber":"2026-XYZ"},` +
      `"prevHash":"${GENESIS_HASH}","seq":1,"subject":"h1"}`;
    expect(first).toEqual({
      seq: 1, at: T0, actor: 'sato', action: 'hold.create', subject: 'h1', details: { caseNumber: '2026-XYZ', cameras: ['atm1'] },
      prevHash: GENESIS_HASH, hash: createHash('sha256').update(text, 'utf8').digest('hex'),
    });
    const second = store.audit.append({ actor: 'sato', action: 'clip.view' });
    expect(second).toMatchObject({ seq: 2, subject: null, details: {}, prevHash: first.hash });
    expect(second.hash).toBe(auditEntryHash(second));
    fill(store, 48);

    const verdict = store.audit.verify();
    expect(verdict).toEqual({ ok: true, entries: 50, head: { seq: 50, hash: store.audit.list({ afterSeq: 49 })[0]!.hash } });
    expect(store.audit.head()).toEqual({ seq: 50, hash: verdict.ok ? verdict.head?.hash : '' });
    // The stored column holds exactly the canonical text that was hashed.
    const raw = new Sqlite(store.file, { readonly: true });
    expect(raw.prepare('SELECT details FROM audit_log WHERE seq = 1').pluck().get()).toBe('{"cameras":["atm1"],"caseNumber":"2026-XYZ"}');
    raw.close();
  });

  it('pages with afterSeq and limit, oldest first', () => {
    const store = open();
    fill(store, 7);
    expect(store.audit.list().map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(store.audit.list({ afterSeq: 3, limit: 2 }).map((e) => e.seq)).toEqual([4, 5]);
    expect(store.audit.list({ afterSeq: 7 })).toEqual([]);
    expect((thrown(() => store.audit.list({ limit: 0 })) as StoreValidationError).field).toBe('limit');
  });

  it('accepts future dotted actions but refuses malformed entries naming the field', () => {
    const store = open();
    expect(store.audit.append({ actor: 'agent', action: 'retention.purge' }).action).toBe('retention.purge');
    const field = (fn: () => unknown): string => (thrown(fn) as StoreValidationError).field;
    expect(field(() => store.audit.append({ actor: 'agent', action: 'Hold Create' }))).toBe('action');
    expect(field(() => store.audit.append({ actor: '', action: 'clip.view' }))).toBe('actor');
    expect(field(() => store.audit.append({ actor: 'a\nforged line', action: 'clip.view' }))).toBe('actor');
    expect(field(() => store.audit.append({ actor: 'x'.repeat(65), action: 'clip.view' }))).toBe('actor');
    expect(field(() => store.audit.append({ actor: 'a', action: 'clip.view', details: { score: Number.POSITIVE_INFINITY } }))).toBe('details.score');
    expect(field(() => store.audit.append({ actor: 'a', action: 'clip.view', details: { blob: 'x'.repeat(70_000) } }))).toBe('details');
    expect(store.audit.list()).toHaveLength(1);
  });

  it('names an entry whose details were edited with SQL', () => {
    const store = open();
    fill(store, 10);
    tamper(store.file, `UPDATE audit_log SET details = '{"i":99}' WHERE seq = 6`);
    const verdict = store.audit.verify();
    expect(verdict).toEqual({ ok: false, seq: 6, reason: 'entry 6 does not match its hash (its content was edited)' });
  });

  it('names an entry whose actor was edited, even when the editor recomputed its hash', () => {
    const store = open();
    fill(store, 10);
    const e4 = store.audit.list({ afterSeq: 3, limit: 1 })[0]!;
    const forged = { ...e4, actor: 'nobody' };
    tamper(store.file, `UPDATE audit_log SET actor = 'nobody', hash = '${auditEntryHash(forged)}' WHERE seq = 4`);
    const verdict = store.audit.verify();
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    // Entry 4 is self-consistent now; the break shows at 5, whose prevHash names the original.
    expect(verdict.seq).toBe(5);
    expect(verdict.reason).toContain('entry 5 does not link to entry 4');
  });

  it('names a removed entry in the middle and at the start', () => {
    const store = open();
    fill(store, 10);
    tamper(store.file, 'DELETE FROM audit_log WHERE seq = 4');
    expect(store.audit.verify()).toEqual({ ok: false, seq: 4, reason: 'entry 4 is missing: the log jumps from 3 to 5 (removed)' });

    const other = open();
    fill(other, 5);
    tamper(other.file, 'DELETE FROM audit_log WHERE seq IN (1, 2)');
    expect(other.audit.verify()).toMatchObject({ ok: false, seq: 1, reason: expect.stringContaining('entries 1–2 are missing') });
  });

  it('notices a removed tail from the AUTOINCREMENT counter, and keeps noticing after new appends', () => {
    const store = open();
    fill(store, 10);
    tamper(store.file, 'DELETE FROM audit_log WHERE seq > 8');
    expect(store.audit.verify()).toEqual({
      ok: false, seq: 9, reason: 'entries 9–10 were removed from the end of the log (it once reached seq 10)',
    });
    store.audit.append({ actor: 'sato', action: 'clip.view' });
    expect(store.audit.list({ afterSeq: 8 }).map((e) => e.seq)).toEqual([11]);
    expect(store.audit.verify()).toMatchObject({ ok: false, seq: 9 });
  });

  it('cannot notice a removed tail when the counter is rewritten too: only an outside head can', () => {
    // The documented limit. An export manifest that recorded head() proves the log once went further.
    const store = open();
    fill(store, 10);
    const anchored = store.audit.head()!;
    tamper(store.file, "DELETE FROM audit_log WHERE seq > 8; UPDATE sqlite_sequence SET seq = 8 WHERE name = 'audit_log'");
    const verdict = store.audit.verify();
    expect(verdict).toMatchObject({ ok: true, entries: 8 });
    expect(verdict.ok && verdict.head!.seq).toBeLessThan(anchored.seq);
  });

  it('verifies an exported slice of the log after a known entry', () => {
    const store = open();
    fill(store, 6);
    const all = store.audit.list();
    expect(verifyChain(all.slice(3), { seq: 3, hash: all[2]!.hash })).toMatchObject({ ok: true, entries: 3 });
    expect(verifyChain(all.slice(3))).toMatchObject({ ok: false, seq: 1 });
    expect(verifyChain([all[0]!, { ...all[1]!, details: { i: 7 } }])).toMatchObject({ ok: false, seq: 2 });
  });

  it('keeps one chain when two connections in one process append in turn', () => {
    const a = open();
    const b = openStore(a.dataDir);
    try {
      for (let i = 0; i < 20; i += 1) {
        (i % 2 ? a : b).audit.append({ actor: i % 2 ? 'a' : 'b', action: 'clip.view', details: { i } });
      }
      expect(a.audit.verify()).toMatchObject({ ok: true, entries: 20 });
    } finally {
      b.close();
    }
  });

  it('keeps one chain when several processes append at the same time', async () => {
    const store = open();
    const go = path.join(store.dataDir, 'go');
    const storeModule = new URL('./store.ts', import.meta.url).href;
    // Each process opens the store, says ready, waits for the common start, then appends with
    // pauses so the four really interleave (the agent and a CLI command do this in production).
    const script = `
      const fs = await import('node:fs');
      const { openStore } = await import(${JSON.stringify(storeModule)});
      const [dataDir, go, name] = process.argv.slice(1);
      const store = openStore(dataDir);
      console.log('ready');
      while (!fs.existsSync(go)) await new Promise((r) => setTimeout(r, 5));
      for (let i = 0; i < 40; i += 1) {
        store.audit.append({ actor: name, action: 'clip.view', details: { i } });
        await new Promise((r) => setTimeout(r, 1));
      }
      store.close();`;
    const ready: Promise<void>[] = [];
    const done = [1, 2, 3, 4].map((n) => new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, store.dataDir, go, `p${n}`], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      ready.push(new Promise((r) => child.stdout.once('data', () => r())));
      child.on('error', reject);
      child.on('close', resolve);
    }));
    await Promise.all(ready);
    fs.writeFileSync(go, '');
    expect(await Promise.all(done)).toEqual([0, 0, 0, 0]);
    expect(store.audit.verify()).toMatchObject({ ok: true, entries: 160 });
    const actors = store.audit.list({ limit: 1000 }).map((e) => e.actor);
    expect(new Set(actors)).toEqual(new Set(['p1', 'p2', 'p3', 'p4']));
    // They did interleave: the actor changes far more often than the 3 times of a serial run.
    const switches = actors.filter((a, i) => i > 0 && a !== actors[i - 1]).length;
    expect(switches).toBeGreaterThan(10);
  });
});

describe('audit verify from the checkpoint', () => {
  /** Rewrites the chain from `seq` on with consistent hashes, as someone who knows the scheme could. */
  function rewriteFrom(store: ReturnType<typeof open>, seq: number, actor: string): void {
    const all = store.audit.list({ limit: 10_000 });
    const raw = new Sqlite(store.file);
    try {
      const update = raw.prepare('UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?');
      let prevHash = all[seq - 2]?.hash ?? GENESIS_HASH;
      for (const e of all.slice(seq - 1)) {
        const forged = { ...e, actor, prevHash };
        const hash = auditEntryHash(forged);
        update.run(actor, prevHash, hash, e.seq);
        prevHash = hash;
      }
    } finally {
      raw.close();
    }
  }

  it('checks only what was appended since the last intact verdict, and still counts every entry', () => {
    const store = open();
    fill(store, 10);
    expect(store.audit.verify()).toMatchObject({ ok: true, entries: 10, head: { seq: 10 } });
    fill(store, 3);
    expect(store.audit.verify()).toMatchObject({ ok: true, entries: 13, head: { seq: 13 } });
    expect(store.audit.verify()).toMatchObject({ ok: true, entries: 13, head: { seq: 13 } });
  });

  it('finds an entry edited after the checkpoint, and one replaced with a recomputed hash', () => {
    const store = open();
    fill(store, 10);
    expect(store.audit.verify().ok).toBe(true);
    fill(store, 5);
    tamper(store.file, `UPDATE audit_log SET details = '{"i":99}' WHERE seq = 13`);
    expect(store.audit.verify()).toEqual({ ok: false, seq: 13, reason: 'entry 13 does not match its hash (its content was edited)' });

    const other = open();
    fill(other, 10);
    expect(other.audit.verify().ok).toBe(true);
    fill(other, 5);
    const e12 = other.audit.list({ afterSeq: 11, limit: 1 })[0]!;
    tamper(other.file, `UPDATE audit_log SET actor = 'nobody', hash = '${auditEntryHash({ ...e12, actor: 'nobody' })}' WHERE seq = 12`);
    expect(other.audit.verify()).toMatchObject({ ok: false, seq: 13, reason: expect.stringContaining('entry 13 does not link to entry 12') });
  });

  it('misses an edit before the checkpoint that a full verify finds, and from then on every verify reports it', () => {
    // The documented trade: the incremental check re-reads only the checkpoint entry before the new ones.
    const store = open();
    fill(store, 10);
    expect(store.audit.verify().ok).toBe(true);
    tamper(store.file, `UPDATE audit_log SET details = '{"i":99}' WHERE seq = 4`);
    expect(store.audit.verify()).toMatchObject({ ok: true, entries: 10 });
    const broken = { ok: false, seq: 4, reason: 'entry 4 does not match its hash (its content was edited)' };
    expect(store.audit.verify({ full: true })).toEqual(broken);
    expect(store.audit.verify()).toEqual(broken);
    // Another process (the CLI) has no checkpoint: its first verify walks the whole log.
    const cli = openStore(store.dataDir);
    try {
      expect(cli.audit.verify()).toEqual(broken);
    } finally {
      cli.close();
    }
  });

  it('finds the checkpoint entry itself edited, removed, or the chain rewritten through it', () => {
    const edited = open();
    fill(edited, 10);
    expect(edited.audit.verify().ok).toBe(true);
    tamper(edited.file, `UPDATE audit_log SET subject = 'other' WHERE seq = 10`);
    expect(edited.audit.verify()).toEqual({ ok: false, seq: 10, reason: 'entry 10 does not match its hash (its content was edited)' });

    const cut = open();
    fill(cut, 10);
    expect(cut.audit.verify().ok).toBe(true);
    tamper(cut.file, 'DELETE FROM audit_log WHERE seq > 8');
    expect(cut.audit.verify()).toMatchObject({ ok: false, seq: 9, reason: expect.stringContaining('removed from the end') });

    const rewritten = open();
    fill(rewritten, 10);
    const verified = rewritten.audit.verify();
    expect(verified.ok).toBe(true);
    rewriteFrom(rewritten, 3, 'forger');
    const reason = `entry 10 is not the entry verified earlier (hash ${verified.ok ? verified.head!.hash : ''}): the chain was rewritten`;
    expect(rewritten.audit.verify()).toEqual({ ok: false, seq: 10, reason });
    expect(rewritten.audit.verify({ full: true })).toEqual({ ok: false, seq: 10, reason });
  });
});

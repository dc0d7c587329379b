import { describe, expect, it } from 'vitest';
import { UniqueNames, defaultBundleName, safeComponent } from './bundle-names.js';

describe('safeComponent', () => {
  it('keeps ordinary ids and case numbers as they are', () => {
    expect(safeComponent('atm1', 'x')).toBe('atm1');
    expect(safeComponent('2026-XYZ_01.b', 'x')).toBe('2026-XYZ_01.b');
    expect(safeComponent('令和8年第12号', 'x')).toBe('令和8年第12号');
  });

  it('makes separators, traversal, controls and bidi overrides into one harmless name', () => {
    expect(safeComponent('../../etc/passwd', 'x')).toBe('etc_passwd');
    expect(safeComponent('..', 'fallback')).toBe('fallback');
    expect(safeComponent('.', 'fallback')).toBe('fallback');
    expect(safeComponent('', 'fallback')).toBe('fallback');
    expect(safeComponent('a\\b/c:d', 'x')).toBe('a_b_c_d');
    expect(safeComponent('evil\u202eexe.txt\n\0', 'x')).toBe('evil_exe.txt');
    expect(safeComponent('.hidden', 'x')).toBe('hidden');
    expect(safeComponent('-rf', 'x')).toBe('rf');
    expect(safeComponent('trailing dots...', 'x')).toBe('trailing_dots');
    // Full-width letters fold to ASCII (NFKC), so look-alikes do not make two names.
    expect(safeComponent('ＡＴＭ１', 'x')).toBe('ATM1');
  });

  it('avoids Windows device names and bounds the length', () => {
    expect(safeComponent('CON', 'x')).toBe('_CON');
    expect(safeComponent('nul.txt', 'x')).toBe('_nul.txt');
    expect(Array.from(safeComponent('あ'.repeat(500), 'x'))).toHaveLength(80);
    for (const raw of ['../..', 'a/../b', '/abs', 'C:\\x', '....//....//']) {
      const name = safeComponent(raw, 'f');
      expect(name).not.toMatch(/[/\\]|^\.|^$/);
      expect(name).not.toBe('..');
    }
  });
});

describe('UniqueNames', () => {
  it('never hands out the same name twice, ignoring case, keeping extensions', () => {
    const names = new UniqueNames();
    expect(names.take('a/b', 'x')).toBe('a_b');
    expect(names.take('a_b', 'x')).toBe('a_b-2');
    expect(names.take('A_B', 'x')).toBe('A_B-3');
    expect(names.take('seg.ts', 'x')).toBe('seg.ts');
    expect(names.take('SEG.ts', 'x')).toBe('SEG-2.ts');
    expect(names.take('..', 'camera')).toBe('camera');
    expect(names.take('', 'camera')).toBe('camera-2');
  });
});

describe('defaultBundleName', () => {
  it('case number and local export time', () => {
    const at = new Date(2026, 2, 14, 9, 5, 7).getTime();
    expect(defaultBundleName('2026-XYZ', at)).toBe('mimamori-evidence-2026-XYZ-20260314T090507');
    expect(defaultBundleName('../../x', at)).toBe('mimamori-evidence-x-20260314T090507');
  });
});

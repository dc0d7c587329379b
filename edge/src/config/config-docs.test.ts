import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { expectGeneratedPageFresh } from '../../test/generated-doc.js';
import { CONFIG_DOCS_PATH, renderConfigDocs } from './config-docs.js';

describe('docs/configuration.md', () => {
  it('is what the schema renders today', async () => {
    await expectGeneratedPageFresh(CONFIG_DOCS_PATH, renderConfigDocs(), 'docs:config');
  });

  it('documents each setting of the site file with its default and bounds, in the schema\'s order', () => {
    const page = renderConfigDocs();
    expect(page).toContain('| `perception.detector.nmsIou` | number | `0.5` | 0..1 | IoU above which overlapping boxes of one class are merged |');
    expect(page).toContain('| `site` | string | required |');
    expect(page).toContain('| `cameras[].zones[].kind` | string | required | `atm`, `emoney_rack`, `register`, `entrance` |');
    expect(page).toContain('| `retention.minFreeBytes` | integer | `268435456` (256 MiB) | ≥ 0 |');
    const sections = [...page.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(sections).toEqual(['Top level', 'ffmpeg', 'perception', 'mqtt', 'http', 'alerts', 'retention', 'supervisor', 'cameras']);
  });

  it('renders bounds, defaults and table-breaking characters of a small schema', () => {
    const schema = z.object({
      a: z.object({
        n: z.number().positive().max(10).default(2).describe('a number'),
        k: z.int().min(0).default(3).describe('an int with | in it, and <site>'),
        e: z.enum(['x', 'y']).optional().describe('a choice'),
        p: z.array(z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)])).min(3).describe('points'),
      }).describe('Section A'),
    });
    const page = renderConfigDocs(schema);
    expect(page).toContain('## a\n\nSection A\n');
    expect(page).toContain('| `a.n` | number | `2` | > 0, ≤ 10 | a number |');
    expect(page).toContain('| `a.k` | integer | `3` | ≥ 0 | an int with \\| in it, and &lt;site> |');
    expect(page).toContain('| `a.e` | string | — | `x`, `y` | a choice |');
    expect(page).toContain('| `a.p` | [number, number][] | required | at least 3 items; each: 0..1 | points |');
  });

  it('refuses a setting without a description, naming it and where to add one', () => {
    const schema = z.object({ a: z.object({ documented: z.boolean().describe('yes'), bare: z.boolean() }).describe('A') });
    expect(() => renderConfigDocs(schema)).toThrow('config docs: a.bare has no description; add .describe() to it in edge/src/config/schema.ts');
  });
});

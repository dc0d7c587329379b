import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { expectGeneratedPageFresh } from '../../../test/generated-doc.js';
import { API_DOCS_PATH, renderApiDocs } from './api-docs.js';
import { API_ROUTES, type RouteContract } from './index.js';

describe('docs/api.md', () => {
  it('is what the contract renders today', async () => {
    await expectGeneratedPageFresh(API_DOCS_PATH, renderApiDocs(), 'docs:api');
  });

  it('has a section for every route, grouped by tag, saying who may call it', () => {
    const page = renderApiDocs();
    const headings = [...page.matchAll(/^### `(\w+) (\S+)`$/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(new Set(headings)).toEqual(new Set(API_ROUTES.map((r) => `${r.method} ${r.path}`)));
    expect(page).toContain('### `POST /api/events/:id/ack`\n\n"I\'ll handle it": records the ack');
    expect(page).toContain('Who may call it: clerk (and admin).');
    expect(page).toContain("Who may call it: the ATM's kiosk token (`?token=`), never a session.");
    expect(page).toContain('  limit?: integer; // 1..1000; default 100\n');
    expect(page).toContain('Answers `201`:');
  });

  it('renders types, bounds, defaults and descriptions of a small contract', () => {
    const route: RouteContract = {
      method: 'POST', path: '/api/things/:id', tag: 'Things', summary: 'Makes a thing.', access: { roles: ['investigator'] },
      params: z.strictObject({ id: z.string().regex(/^[a-z]+$/) }),
      body: z.strictObject({ n: z.int().min(1).max(9).default(3), note: z.string().max(20).optional().describe('Why') }),
      response: {
        status: 200,
        json: z.strictObject({
          at: z.iso.datetime({ offset: true }).nullable(), tags: z.array(z.enum(['a', 'b'])), by: z.record(z.string(), z.unknown()),
          corner: z.tuple([z.number(), z.number()]), kind: z.union([z.literal('x'), z.literal('y')]),
        }),
      },
    };
    const page = renderApiDocs([route]);
    expect(page).toContain('## Things\n\n### `POST /api/things/:id`\n\nMakes a thing.\n\nWho may call it: investigator (and admin).\n');
    expect(page).toContain('```ts\n{\n  id: string; // matches ^[a-z]+$\n}\n```');
    expect(page).toContain('  n?: integer; // 1..9; default 3\n  note?: string; // at most 20 characters; Why\n');
    expect(page).toContain([
      '  at: string (date-time) | null;',
      '  tags: ("a" | "b")[];',
      '  by: { [key: string]: unknown };',
      '  corner: [number, number];',
      '  kind: "x" | "y";',
    ].join('\n'));
  });
});

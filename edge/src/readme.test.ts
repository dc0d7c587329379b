/**
 * The README is what a newcomer reads in two minutes and docs/ is the reference; both must stay
 * true as the code moves. So: the README stays under 8 KB, every relative link (and its #anchor)
 * in README.md and docs/*.md leads somewhere, the README's test command is the one CI runs, and
 * every `npm run …` and `mimamori …` they name exists.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');


const DOC_FILES = ['README.md', ...readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

const read = (repoPath: string): string => readFileSync(join(REPO, repoPath), 'utf8');

/** The text with fenced code blocks blanked (line count kept): links and headings in code are not markdown. */
function withoutCodeBlocks(markdown: string): string {
  let inFence = false;
  return markdown.split('\n').map((line) => {
    if (/^\s*```/.test(line)) {
      inFence = !inFence;
      return '';
    }
    return inFence ? '' : line;
  }).join('\n');
}

/** GitHub's heading anchors: lower case, punctuation dropped, each space a hyphen, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of withoutCodeBlocks(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = match[1]!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Each broken relative link of one markdown file, as "file:line: target: why". */
export function brokenLinks(repoPath: string, markdown: string): string[] {
  const problems: string[] = [];
  const lines = withoutCodeBlocks(markdown).split('\n');
  lines.forEach((line, i) => {
    for (const match of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const link = match[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto: and the like
      const where = `${repoPath}:${i + 1}: ${link}`;
      const [pathPart = '', fragment] = link.split('#', 2);
      const target = pathPart === '' ? join(REPO, repoPath) : resolve(dirname(join(REPO, repoPath)), decodeURIComponent(pathPart));
      const targetRel = relative(REPO, target);
      if (targetRel.startsWith('..')) {
        problems.push(`${where}: points outside the repository`);
        continue;
      }
      if (!existsSync(target)) {
        problems.push(`${where}: ${targetRel} does not exist`);
        continue;
      }
      if (fragment === undefined || !target.endsWith('.md') || !statSync(target).isFile()) continue;
      const text = target === join(REPO, repoPath) ? markdown : readFileSync(target, 'utf8');
      if (!headingAnchors(text).has(decodeURIComponent(fragment))) problems.push(`${where}: ${targetRel} has no heading #${fragment}`);
    }
  });
  return problems;
}

/** The last command of .ci/run: the script ends with the README's test command. */
function ciTestCommand(): string {
  const commands = read('.ci/run').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  return commands.at(-1) ?? '';
}

/** The commands of the README's "Two commands" block, comments dropped. */
function readmeTwoCommands(readme: string): string[] {
  const section = readme.split(/^## Two commands$/m)[1]?.split(/^## /m)[0] ?? '';
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

/** Script names behind `npm run X`, `npm start` and `npm test`. */
export function npmScriptsNamed(markdown: string): string[] {
  const named = [...markdown.matchAll(/\bnpm run ([\w:-]+)/g)].map((m) => m[1]!);
  for (const m of markdown.matchAll(/\bnpm (start|test)\b/g)) named.push(m[1]!);
  return named;
}

/** Commands named as `mimamori <cmd>`: after npx, after a backtick, or starting a (code) line. */
export function cliCommandsNamed(markdown: string): string[] {
  return [...markdown.matchAll(/(?:^[ \t]*|npx |`)mimamori ([a-z][\w-]*)/gm)].map((m) => m[1]!);
}

/** The command table of edge/src/cli/main.ts, plus the commands its switch answers itself. */
function cliCommands(): Set<string> {
  const main = read('edge/src/cli/main.ts');
  const table = /const COMMANDS\b.*\{\n([\s\S]*?)\n\};/.exec(main)?.[1] ?? '';
  const names = [...table.matchAll(/^\s+(\w+):/gm)].map((m) => m[1]!);
  for (const m of main.matchAll(/case '([a-z]+)':/g)) names.push(m[1]!);
  return new Set(names);
}

describe('README.md and docs/', () => {
  it('README.md is under 8 KB, readable in two minutes', () => {
    expect(statSync(join(REPO, 'README.md')).size).toBeLessThan(8192);
  });

  it('every relative link and anchor in README.md and docs/*.md exists', () => {
    expect(DOC_FILES).toContain('docs/mqtt.md');
    expect(DOC_FILES.flatMap((f) => brokenLinks(f, read(f)))).toEqual([]);
  });

  it('the link check reports a missing file, a missing heading and an outside path', () => {
    const text = '[a](docs/nope.md) [b](docs/mqtt.md#no-such-heading) [c](../elsewhere.md) [d](docs/mqtt.md#delivery-nothing-lost-duplicates-possible) [e](#here)\n\n## Here\n';
    expect(brokenLinks('README.md', text)).toEqual([
      'README.md:1: docs/nope.md: docs/nope.md does not exist',
      'README.md:1: docs/mqtt.md#no-such-heading: docs/mqtt.md has no heading #no-such-heading',
      'README.md:1: ../elsewhere.md: points outside the repository',
    ]);
  });

  it('heading anchors follow GitHub: code, colons and slashes dropped, repeats numbered', () => {
    expect([...headingAnchors('## Retention planner (`npm run bench:retention`)\n# A\n# A\n```\n# not a heading\n```\n')])
      .toEqual(['retention-planner-npm-run-benchretention', 'a', 'a-1']);
  });

  it("the README's test command is exactly the one .ci/run runs", () => {
    const ci = ciTestCommand();
    expect(ci).toMatch(/npm test/);
    const commands = readmeTwoCommands(read('README.md'));
    expect(commands).toHaveLength(2);
    expect(commands[1]).toBe(ci);
  });

  it('every npm script named in README.md and docs/*.md is in package.json', () => {
    const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);
    const named = DOC_FILES.flatMap((f) => npmScriptsNamed(read(f)).map((s) => ({ f, s })));
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter(({ s }) => !scripts.includes(s)).map(({ f, s }) => `${f}: npm run ${s}`)).toEqual([]);
  });

  it("every `mimamori <command>` named in README.md and docs/*.md is in the CLI's command table", () => {
    const commands = cliCommands();
    expect(commands).toContain('run');
    expect(commands).toContain('version');
    const named = DOC_FILES.flatMap((f) => cliCommandsNamed(read(f)).map((c) => ({ f, c })));
    expect(named.map(({ c }) => c)).toContain('verify');
    expect(named.filter(({ c }) => !commands.has(c)).map(({ f, c }) => `${f}: mimamori ${c}`)).toEqual([]);
  });

  it('the name checks see commands in code blocks, backticks and after npx, not in prose or topics', () => {
    const text = '```sh\nnpx mimamori run --config x\n  mimamori hold list\n```\n`mimamori keys show`, `mimamori/<site>/status`, systemctl status mimamori, npm run bench:alerts, npm test';
    expect(cliCommandsNamed(text)).toEqual(['run', 'hold', 'keys']);
    expect(npmScriptsNamed(text)).toEqual(['bench:alerts', 'test']);
  });
});

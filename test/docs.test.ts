import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../src/config/index.js';

/** The documentation a reader can find: links that lead somewhere, a reference that is complete. */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCS = join(ROOT, 'docs');
const PAGES = [
  join(ROOT, 'README.md'),
  ...readdirSync(DOCS)
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(DOCS, f)),
];

/** The text outside fenced code blocks: a link shown as an example is not a link. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

/** GitHub's anchors: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const slug = (heading as string)
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] as string)
    .filter((target) => !/^[a-z]+:/i.test(target));
}

describe('README and docs/', () => {
  it.each(PAGES.map((page) => [relative(ROOT, page), page]))(
    '%s: every relative link resolves',
    (_, page) => {
      const broken: string[] = [];
      for (const link of relativeLinks(readFileSync(page, 'utf8'))) {
        const [path = '', anchor] = link.split('#');
        const target = path === '' ? page : resolve(dirname(page), path);
        if (!existsSync(target)) {
          broken.push(`${link}: no such file`);
          continue;
        }
        if (anchor !== undefined && statSync(target).isFile() && target.endsWith('.md')) {
          if (!anchorsOf(readFileSync(target, 'utf8')).has(anchor)) broken.push(`${link}: no such heading`);
        }
      }
      expect(broken).toEqual([]);
    },
  );

  it('has a README that stays short: under 200 lines', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').length).toBeLessThan(200);
  });

  it('gives in the README the install, lint and test commands CI runs', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((m) => m[1] as string).join('\n');
    const given = blocks.split('\n').map((line) => line.replace(/#.*$/, '').trim());
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => /^(npm|bash scripts\/)/.test(line));
    expect(ci).toEqual(expect.arrayContaining(['npm ci', 'npm test']));
    for (const command of ci) expect(given, command).toContain(command);
  });
});

describe('docs/configuration.md', () => {
  it('lists every key of the schema, as a row of its tables', () => {
    const reference = readFileSync(join(DOCS, 'configuration.md'), 'utf8');
    const rows = new Set([...reference.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]));
    const defaults = configSchema.parse({ moco: { domain: 'acme' }, timezone: 'Europe/Berlin' });
    const missing = leaves(defaults).filter((key) => !rows.has(key));
    expect(missing).toEqual([]);
    // And nothing the schema does not know.
    expect([...rows].filter((key) => !leaves(defaults).includes(key as string))).toEqual([]);
  });
});

/** `moco.rateLimit.requests`, ...: the keys a file can set, to the last one that is not an object. */
function leaves(value: unknown, prefix = ''): string[] {
  if (
    value === null ||
    typeof value !== 'object' ||
    Array.isArray(value) ||
    Object.keys(value).length === 0
  ) {
    return [prefix];
  }
  return Object.entries(value).flatMap(([key, child]) =>
    leaves(child, prefix === '' ? key : `${prefix}.${key}`),
  );
}

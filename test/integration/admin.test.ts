import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores } from '../../src/store/open.js';
import { systemClock } from '../../src/time/clock.js';
import { localToEpoch } from '../time/local-to-epoch.js';
import { ADMIN_USER, cli, createKiosk, ensureBuilt, type Kiosk, parseJson, TIME_ZONE } from './harness.js';

/** Admin output that must not harm or mislead: the CSV export, a long queue, a dropped tap. */

const NOWHERE = 'http://127.0.0.1:9/api/v1';
const kiosks: Kiosk[] = [];

beforeAll(() => ensureBuilt(), 120_000);
afterAll(() => {
  for (const kiosk of kiosks) kiosk.remove();
});

function fresh(baseUrl = NOWHERE): Kiosk {
  const kiosk = createKiosk({ baseUrl });
  kiosks.push(kiosk);
  return kiosk;
}

const run = (kiosk: Kiosk, args: string[], input?: string) =>
  cli([...args, '--config', kiosk.configPath], input);

describe('badge export', { timeout: 60_000 }, () => {
  it('neutralises cells a spreadsheet would run, and import -> export -> import is lossless', async () => {
    const kiosk = fresh();
    const labels = ['=HYPERLINK("http://x","y")', '+49 30 1234', '-dash', '@at', "'=quoted"];
    for (const [index, label] of labels.entries()) {
      const added = await run(kiosk, [
        'badge',
        'add',
        `0${index}`,
        '--key',
        `key-${index}-abcdefgh`,
        '--name',
        label,
        '--no-verify',
      ]);
      expect(added.code).toBe(0);
    }
    const exported = await run(kiosk, ['badge', 'export', '--with-keys']);
    const cells = exported.stdout
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[1]);
    expect(cells).toEqual(['"\'=HYPERLINK(""http://x""', "'+49 30 1234", "'-dash", "'@at", "''=quoted"]);
    const file = join(kiosk.dir, 'badges.csv');
    writeFileSync(file, exported.stdout);

    const other = fresh();
    expect((await run(other, ['badge', 'import', file])).code).toBe(0);
    const again = await run(other, ['badge', 'export', '--with-keys']);
    expect(again.stdout).toBe(exported.stdout);
    const list = parseJson<{ uid: string; label: string }[]>(await run(other, ['badge', 'list', '--json']));
    expect(list.map((b) => b.label).sort()).toEqual([...labels].sort());
    expect(readFileSync(file, 'utf8')).toBe(exported.stdout);
  });
});

describe('queue list of a large backlog', { timeout: 60_000 }, () => {
  const TAPS = 250;
  let kiosk: Kiosk;

  beforeAll(() => {
    kiosk = fresh();
    const stores = openStores({ config: kiosk, env: {}, clock: systemClock });
    try {
      stores.db.transaction(() => {
        for (let i = 0; i < TAPS; i += 1) {
          stores.journal.append({
            uid: `B${i}`,
            userId: 1000 + i,
            userName: i === 3 ? 'A much longer name than the others' : `Person ${i}`,
            atMs: localToEpoch('2026-03-02', '09:00', TIME_ZONE) + i * 60_000,
            localDate: '2026-03-02',
            localTime: '09:00',
            clockSynced: true,
            monoNs: null,
            bootId: null,
          });
        }
      })();
    } finally {
      stores.close();
    }
  });

  it('shows 100 rows in the table unless --limit says otherwise, and how many more there are', async () => {
    const table = (await run(kiosk, ['queue', 'list'])).stdout.trimEnd().split('\n');
    expect(table).toHaveLength(1 + 100 + 1);
    expect(table[0]).toMatch(/^ID\s+UID\s+USER\s+TAPPED\s+STATE\s+ATTEMPTS\s+LAST ERROR$/);
    // One column layout for the rows shown, as before.
    const tapped = table[0]?.indexOf('TAPPED');
    for (const line of table.slice(1, 101)) expect(line.indexOf('2026-03-02')).toBe(tapped);
    expect(table[101]).toBe(`... and ${TAPS - 100} more not shown (--limit 0 shows all)`);

    const ten = (await run(kiosk, ['queue', 'list', '--limit', '10'])).stdout.trimEnd().split('\n');
    expect(ten).toHaveLength(12);
    expect(ten[11]).toBe(`... and ${TAPS - 10} more not shown (--limit 0 shows all)`);
    const all = (await run(kiosk, ['queue', 'list', '--limit', '0'])).stdout.trimEnd().split('\n');
    expect(all).toHaveLength(1 + TAPS);
    expect(await run(kiosk, ['queue', 'list', '--limit', 'ten'])).toMatchObject({ code: 2 });
  });

  it('gives every tap as JSON unless --limit, in the same format as ever', async () => {
    const json = await run(kiosk, ['queue', 'list', '--json']);
    const taps = parseJson<{ id: number }[]>(json);
    expect(taps).toHaveLength(TAPS);
    expect(json.stdout).toBe(`${JSON.stringify(taps, null, 2)}\n`);
    expect(json.stderr).toBe('');
    const five = await run(kiosk, ['queue', 'list', '--json', '--limit', '5']);
    expect(parseJson<unknown[]>(five)).toHaveLength(5);
    expect(five.stderr).toBe(`... and ${TAPS - 5} more not shown (--limit 0 shows all)\n`);
  });

  it('drops a tap with a human line, or a JSON record with --json, and no log line', async () => {
    const dropped = await run(kiosk, ['queue', 'drop', '1', '--yes', '--json']);
    expect(dropped.stderr).toBe('');
    expect(parseJson<Record<string, unknown>>(dropped)).toMatchObject({
      id: 1,
      uid: 'B0',
      state: 'pending',
      droppedBy: ADMIN_USER,
      droppedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(await run(kiosk, ['queue', 'drop', '2', '--yes'])).toEqual({
      code: 0,
      stdout: `dropped tap 2 (badge B1, Person 1, tapped 2026-03-02 09:01, pending); dropped by ${ADMIN_USER}\n`,
      stderr: '',
    });
  });
});

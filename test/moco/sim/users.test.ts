import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_USERS, loadUsersFile } from '../../../src/moco/sim/users.js';

const dir = mkdtempSync(join(tmpdir(), 'sim-users-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('DEMO_USERS', () => {
  it('has three users with distinct ids and keys, one of them staff', () => {
    expect(DEMO_USERS).toHaveLength(3);
    expect(new Set(DEMO_USERS.map((u) => u.id)).size).toBe(3);
    expect(new Set(DEMO_USERS.map((u) => u.apiKey)).size).toBe(3);
    expect(DEMO_USERS.filter((u) => u.staff === true)).toHaveLength(1);
  });
});

describe('loadUsersFile', () => {
  it('reads a YAML list', () => {
    const path = file(
      'users.yaml',
      '- id: 5\n  firstname: Eva\n  lastname: Roth\n  apiKey: k5\n  staff: true\n- id: 6\n  firstname: Jan\n  lastname: Wolf\n  apiKey: k6\n',
    );
    expect(loadUsersFile(path)).toEqual([
      { id: 5, firstname: 'Eva', lastname: 'Roth', apiKey: 'k5', staff: true },
      { id: 6, firstname: 'Jan', lastname: 'Wolf', apiKey: 'k6' },
    ]);
  });

  it('reads a JSON list', () => {
    const path = file('users.json', JSON.stringify([{ id: 9, firstname: 'A', lastname: 'B', apiKey: 'k9' }]));
    expect(loadUsersFile(path)).toEqual([{ id: 9, firstname: 'A', lastname: 'B', apiKey: 'k9' }]);
  });

  it('reads custom properties, deactivation and the right to change users', () => {
    const path = file(
      'fleet.yaml',
      '- id: 7\n  firstname: Eva\n  lastname: Roth\n  apiKey: k7\n  active: false\n  editsUsers: false\n  customProperties: { Badge: "04A1, 0BEEF" }\n',
    );
    expect(loadUsersFile(path)).toEqual([
      {
        id: 7,
        firstname: 'Eva',
        lastname: 'Roth',
        apiKey: 'k7',
        active: false,
        editsUsers: false,
        customProperties: { Badge: '04A1, 0BEEF' },
      },
    ]);
  });

  it('names the entry and the field that is wrong', () => {
    const path = file(
      'missing-key.json',
      JSON.stringify([
        { id: 1, firstname: 'A', lastname: 'B', apiKey: 'k1' },
        { id: 2, firstname: 'Carl', lastname: 'D' },
      ]),
    );
    expect(() => loadUsersFile(path)).toThrow(/missing-key\.json: entry 2 \(id 2, Carl\): apiKey: /);
  });

  it('refuses unknown fields, non-integer ids, duplicates, non-lists and broken syntax', () => {
    const typo = file('typo.yaml', '- id: 1\n  firstname: A\n  lastname: B\n  apikey: k1\n');
    expect(() => loadUsersFile(typo)).toThrow(/entry 1 \(id 1, A\)/);
    const fraction = file(
      'fraction.json',
      JSON.stringify([{ id: 1.5, firstname: 'A', lastname: 'B', apiKey: 'k' }]),
    );
    expect(() => loadUsersFile(fraction)).toThrow(/entry 1.*id: /);
    const twice = file(
      'twice.json',
      JSON.stringify([
        { id: 1, firstname: 'A', lastname: 'B', apiKey: 'k1' },
        { id: 2, firstname: 'C', lastname: 'D', apiKey: 'k1' },
      ]),
    );
    expect(() => loadUsersFile(twice)).toThrow(/entry 2: duplicate apiKey \(also used by user 1\)/);
    expect(() => loadUsersFile(file('object.yaml', 'users: []\n'))).toThrow(/expected a non-empty list/);
    expect(() => loadUsersFile(file('broken.json', '[{"id": 1,'))).toThrow(/broken\.json: /);
    expect(() => loadUsersFile(join(dir, 'absent.yaml'))).toThrow(/absent\.yaml: .*ENOENT/);
  });
});

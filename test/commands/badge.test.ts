import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainMocoTrouble } from '../../src/failures/explain.js';
import { startSimulator } from '../../src/moco/sim/server.js';
import type { Simulator } from '../../src/moco/sim/types.js';
import { DEMO_USERS } from '../../src/moco/sim/users.js';
import { BadgeStore } from '../../src/store/badges.js';
import { type Database, databasePath, openDatabase } from '../../src/store/database.js';
import { KeyCipher, loadMasterKey } from '../../src/store/secrets.js';
import { UnknownScans } from '../../src/store/unknown-scans.js';
import { readUid } from '../readers/uids.js';
import { type CommandResult, runBadge } from './in-process.js';

/**
 * The badge command as an admin runs it, against the simulator: in this process through its deps,
 * and where the process itself matters (its umask, a real stdin and environment, the exit status
 * of a bad configuration) as `moco-timeclock badge ...` in a process.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist', 'cli.js');
const [ANNA, BEN] = DEMO_USERS as [(typeof DEMO_USERS)[0], (typeof DEMO_USERS)[0]];

let sim: Simulator;
const dirs: string[] = [];

beforeAll(async () => {
  if (!existsSync(CLI))
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  sim = await startSimulator({ port: 0, timeZone: 'Europe/Berlin' });
}, 120_000);
afterAll(async () => {
  await sim.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

type RunOptions = { input?: string; env?: NodeJS.ProcessEnv };

/**
 * A fresh installation: a configuration pointing at the simulator, an empty data directory, and ways
 * to run the CLI on it and to look into its database as the daemon would.
 */
function workspace(mocoBaseUrl = sim.baseUrl, extraConfig = '') {
  const dir = mkdtempSync(join(tmpdir(), 'moco-badge-cli-'));
  dirs.push(dir);
  const dataDir = join(dir, 'data');
  const configPath = join(dir, 'config.yaml');
  writeFileSync(
    configPath,
    `moco:\n  baseUrl: ${mocoBaseUrl}\ntimezone: Europe/Berlin\ndataDir: ${dataDir}\n${extraConfig}`,
  );

  const badge = (args: string[], options: RunOptions = {}): Promise<CommandResult> =>
    runBadge([...args, '--config', configPath], options);

  const ok = async (args: string[], options?: RunOptions): Promise<CommandResult> => {
    const result = await badge(args, options);
    expect(result, result.stderr).toMatchObject({ code: 0 });
    return result;
  };

  /** Async on purpose: the simulator answers from this process's event loop while the CLI runs. */
  const spawned = (args: string[], options: RunOptions = {}): Promise<CommandResult> =>
    new Promise((resolvePromise, reject) => {
      const child = spawn(process.execPath, [CLI, 'badge', ...args, '--config', configPath], {
        env: { PATH: process.env.PATH, ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      child.on('error', reject);
      child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
      child.stdin.end(options.input ?? '');
    });

  const spawnedOk = async (args: string[], options?: RunOptions): Promise<CommandResult> => {
    const result = await spawned(args, options);
    expect(result, result.stderr).toMatchObject({ code: 0 });
    return result;
  };

  /** Opens the database as the daemon does, runs `use`, closes it. */
  const withStore = <T>(use: (badges: BadgeStore, db: Database) => T): T => {
    const db = openDatabase(databasePath(dataDir));
    try {
      const cipher = new KeyCipher(loadMasterKey({ env: {}, configPath, create: false }));
      return use(new BadgeStore(db, cipher, { now: () => Date.now() }), db);
    } finally {
      db.close();
    }
  };

  const stored = () =>
    withStore((badges) => badges.list().map((b) => ({ ...b, apiKey: badges.find(b.uid)!.apiKey })));
  const rawKeys = () =>
    withStore((_, db) =>
      db
        .prepare<[], { api_key: string }>('SELECT api_key FROM badges')
        .all()
        .map((r) => r.api_key),
    );

  return { dir, dataDir, configPath, badge, ok, spawned, spawnedOk, stored, rawKeys, withStore };
}

// A CLI process takes about a second on a Pi-class or busy machine.
const SLOW = { timeout: 60_000 };

describe('badge add', SLOW, () => {
  it('verifies the key with MOCO and stores the user, with the key encrypted', async () => {
    const w = workspace();
    const result = await w.spawnedOk(['add', '04a1b2', '--key', ANNA.apiKey, '--name', 'Anna']);
    expect(result.stdout).toContain('added badge 04A1B2 -> Anna Schmidt (MOCO user 1001), label "Anna"');
    expect(w.stored()).toMatchObject([
      { uid: '04A1B2', label: 'Anna', userId: 1001, userName: 'Anna Schmidt', apiKey: ANNA.apiKey },
    ]);
    const [raw] = w.rawKeys();
    expect(raw).toMatch(/^v1:/);
    expect(raw).not.toContain(ANNA.apiKey);
    expect(statSync(join(w.dir, 'master.key')).mode & 0o777).toBe(0o600);
    expect(statSync(databasePath(w.dataDir)).mode & 0o777).toBe(0o600);
  });

  it('refuses a key MOCO rejects, and stores nothing', async () => {
    const w = workspace();
    const result = await w.badge(['add', '04A1B2', '--key', 'not-a-real-key']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('MOCO refused the key (401)');
    expect(result.stderr).not.toContain('not-a-real-key');
    expect(w.stored()).toEqual([]);
  });

  it('suggests --no-verify when MOCO is unreachable, and --no-verify stores the key unverified', async () => {
    const w = workspace('http://127.0.0.1:9/api/v1');
    const failed = await w.badge(['add', '04A1B2', '--key', ANNA.apiKey]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('cannot reach http://127.0.0.1:9/api/v1 (');
    expect(failed.stderr).toContain('--no-verify');
    const added = await w.ok(['add', '04A1B2', '--key', ANNA.apiKey, '--no-verify']);
    expect(added.stdout).toContain('key not verified');
    expect(w.stored()).toMatchObject([{ uid: '04A1B2', userId: null, userName: null, apiKey: ANNA.apiKey }]);
  });

  it('says of a wrong address what doctor says, and stores nothing', async () => {
    const wrong = `${sim.url}/not-the-api/v1`;
    const w = workspace(wrong);
    const result = await w.badge(['add', '04A1B2', '--key', ANNA.apiKey]);
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n').at(-1)).toBe(
      `moco-timeclock: could not verify the key: ${wrong} does not answer like the MOCO API ` +
        `(MOCO GET /not-the-api/v1/session answered 404 (not_found)): ` +
        'check moco.domain (the subdomain of mocoapp.com) or moco.baseUrl',
    );
    expect(result.stderr).toContain(explainMocoTrouble('not_found', { baseUrl: wrong })?.meaning);
    expect(w.stored()).toEqual([]);
  });

  it('refuses a mapped UID unless --replace', async () => {
    const w = workspace();
    await w.ok(['add', '04A1B2', '--key', ANNA.apiKey, '--name', 'Anna']);
    const refused = await w.badge(['add', '04a1b2', '--key', BEN.apiKey]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('already mapped (Anna, Anna Schmidt)');
    expect(refused.stderr).toContain('--replace');
    expect(w.stored()).toMatchObject([{ userId: 1001, apiKey: ANNA.apiKey }]);

    const replaced = await w.ok(['add', '04A1B2', '--key', BEN.apiKey, '--replace']);
    expect(replaced.stdout).toContain('replaced badge 04A1B2 -> Ben Meyer (MOCO user 1002), label "Anna"');
    expect(w.stored()).toMatchObject([
      { uid: '04A1B2', userId: 1002, userName: 'Ben Meyer', apiKey: BEN.apiKey },
    ]);
  });

  it('takes the key from stdin with --key - or from $MOCO_API_KEY', async () => {
    const w = workspace();
    await w.spawnedOk(['add', '01', '--key', '-'], { input: `${ANNA.apiKey}\nignored\n` });
    await w.spawnedOk(['add', '02'], { env: { MOCO_API_KEY: BEN.apiKey } });
    expect(w.stored()).toMatchObject([
      { uid: '01', userId: 1001, apiKey: ANNA.apiKey },
      { uid: '02', userId: 1002, apiKey: BEN.apiKey },
    ]);
  });

  it('enrols the badge last tapped with --last-unknown', async () => {
    const w = workspace();
    const none = await w.badge(['add', '--last-unknown', '--key', ANNA.apiKey]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no unknown badge was tapped yet');

    w.withStore((_, db) => {
      const scans = new UnknownScans(db, { now: () => Date.now() });
      scans.record(readUid('0A0A0A'), Date.now() - 3 * 60_000);
      scans.record(readUid('0b0b0b'), Date.now() - 60_000);
    });
    const added = await w.ok(['add', '--last-unknown', '--key', ANNA.apiKey]);
    expect(added.stdout).toMatch(
      /using the last unknown badge 0B0B0B, tapped \d{4}-\d\d-\d\d \d\d:\d\d \(1 min ago\)/,
    );
    expect(w.stored()).toMatchObject([{ uid: '0B0B0B', userId: 1001 }]);
    const again = await w.badge(['add', '--last-unknown', '--key', ANNA.apiKey]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('badge 0B0B0B is already mapped');
  });

  it('treats bad arguments as usage errors (exit 2) before touching any state', async () => {
    const w = workspace();
    const cases = [
      ['add', '04 A1', '--key', ANNA.apiKey],
      ['add', '04A1'],
      ['add', '--key', ANNA.apiKey],
      ['add', '04A1', '--last-unknown', '--key', ANNA.apiKey],
      ['add', '04A1', '--key', ANNA.apiKey, '--bogus'],
    ];
    const results = await Promise.all(cases.map((args) => w.badge(args)));
    results.forEach((result, index) => {
      expect(result.code, cases[index]!.join(' ')).toBe(2);
    });
    expect(results[0]!.stderr).toContain('"04 A1" is not a badge UID');
    expect(existsSync(w.dataDir)).toBe(false);
  });
});

describe('badge list, rename, remove', SLOW, () => {
  it('lists a table and JSON without ever printing a whole key', async () => {
    const w = workspace();
    await w.ok(['add', '04A1B2', '--key', ANNA.apiKey, '--name', 'Anna']);
    await w.ok(['add', '05C3D4', '--key', BEN.apiKey, '--no-verify']);
    const [table, json] = await Promise.all([w.ok(['list']), w.ok(['list', '--json'])]);
    expect(table.stdout).toMatch(/^UID\s+LABEL\s+MOCO USER\s+KEY\s+LAST SEEN$/m);
    expect(table.stdout).toMatch(/^04A1B2\s+Anna\s+Anna Schmidt \(1001\)\s+…anna\s+never$/m);
    expect(table.stdout).toMatch(/^05C3D4\s+-\s+\(not verified\)\s+…-ben\s+never$/m);
    expect(table.stdout).toContain('2 badges');
    for (const output of [table.stdout, json.stdout]) {
      expect(output).not.toContain(ANNA.apiKey);
      expect(output).not.toContain(BEN.apiKey);
    }
    expect(JSON.parse(json.stdout)).toMatchObject([
      {
        uid: '04A1B2',
        label: 'Anna',
        userId: 1001,
        userName: 'Anna Schmidt',
        keyHint: '…anna',
        lastSeenAt: null,
      },
      { uid: '05C3D4', label: null, userId: null, keyHint: '…-ben' },
    ]);
  });

  it('renames and removes, failing on an unknown badge', async () => {
    const w = workspace();
    await w.ok(['add', '04A1B2', '--key', ANNA.apiKey]);
    const renamed = await w.ok(['rename', '04a1b2', 'Anna S.']);
    expect(renamed.stdout).toBe('badge 04A1B2 is now labelled "Anna S."\n');
    expect(w.stored()).toMatchObject([{ label: 'Anna S.' }]);
    // An empty label is a slip: refused before anything is opened, the label kept.
    for (const empty of ['', '  ']) {
      expect(await w.badge(['rename', '04A1B2', empty])).toEqual({
        code: 2,
        stdout: '',
        stderr: 'moco-timeclock: the new label is empty: give the label text\n',
      });
    }
    expect(w.stored()).toMatchObject([{ label: 'Anna S.' }]);
    const [renameUnknown, removed] = await Promise.all([
      w.badge(['rename', 'FFFF', 'x']),
      w.ok(['remove', '04a1b2']),
    ]);
    expect(renameUnknown.code).toBe(1);
    expect(renameUnknown.stderr).toContain('there is no badge FFFF');
    expect(removed.stdout).toContain('removed badge 04A1B2');
    const again = await w.badge(['remove', '04A1B2']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('there is no badge 04A1B2');
    expect(w.stored()).toEqual([]);
  });
});

describe('badge UIDs in the form uid.format gives the reader', SLOW, () => {
  const hex = () => workspace(sim.baseUrl, 'uid:\n  format: hex\n');

  it('stores a UID typed with separators as the reader gives it, so that a tap finds it', async () => {
    const w = hex();
    const added = await w.ok(['add', '04:a1-b2', '--key', ANNA.apiKey]);
    expect(added.stdout).toContain('added badge 04A1B2 -> Anna Schmidt');
    expect(w.withStore((badges) => badges.identify(readUid('04A1B2'))?.userId)).toBe(1001);
    expect((await w.ok(['rename', '04:A1:B2', 'Anna'])).stdout).toBe('badge 04A1B2 is now labelled "Anna"\n');
    expect((await w.ok(['remove', '04-a1-b2'])).stdout).toContain('removed badge 04A1B2');
    expect(w.stored()).toEqual([]);
  });

  it('refuses a UID that is no hex number as a usage error, before storing anything', async () => {
    const w = hex();
    expect(await w.badge(['add', 'CARD-7', '--key', ANNA.apiKey])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'moco-timeclock: "CARD-7" is not a badge UID as uid.format "hex" reads them\n',
    });
    expect(existsSync(databasePath(w.dataDir))).toBe(false);
  });

  it('imports rows in that form, refusing the file when two rows are one badge or one cannot be read', async () => {
    const w = hex();
    const file = join(w.dir, 'badges.csv');
    writeFileSync(file, `uid,label,api_key\n04:a1:b2,Anna,${ANNA.apiKey}\n`);
    await w.ok(['import', file]);
    expect(w.stored()).toMatchObject([{ uid: '04A1B2', label: 'Anna', apiKey: ANNA.apiKey }]);
    writeFileSync(file, `uid,label,api_key\n05c3d4,Ben,${BEN.apiKey}\n05:C3:D4,Ben again,\n`);
    const twice = await w.badge(['import', file]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain(`${file} line 3: badge 05C3D4 already appears on line 2`);
    writeFileSync(file, `uid,label,api_key\n05c3d4,Ben,${BEN.apiKey}\nCARD-7,x,${BEN.apiKey}\n`);
    const unreadable = await w.badge(['import', file]);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain(
      `${file} line 3: "CARD-7" is not a badge UID as uid.format "hex" reads them`,
    );
    expect(w.stored()).toMatchObject([{ uid: '04A1B2' }]);
  });
});

describe('badge help and counts', SLOW, () => {
  it('names the reader test command as it is typed, and counts one badge as one', async () => {
    const help = await workspace().badge(['add', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('(see "moco-timeclock reader test")');
    expect(help.stdout).not.toContain('reader-test');
    const w = workspace();
    await w.ok(['add', '04A1B2', '--key', ANNA.apiKey]);
    const file = join(w.dir, 'one.csv');
    expect((await w.ok(['export', '--output', file])).stderr).toBe(`exported 1 badge to ${file}\n`);
  });
});

describe('badge export and import', SLOW, () => {
  it('round-trips every badge through a CSV file', async () => {
    const w = workspace();
    await w.ok(['add', '04A1B2', '--key', ANNA.apiKey, '--name', 'Schmidt, Anna']);
    await w.ok(['add', '05C3D4', '--key', BEN.apiKey]);
    const before = w.stored();
    const file = join(w.dir, 'badges.csv');
    // An older file readable by others must not keep that mode once it holds keys.
    writeFileSync(file, 'old content that is longer than the export will be '.repeat(20));
    chmodSync(file, 0o644);
    const [withoutKeys, exported] = await Promise.all([
      w.ok(['export']),
      w.ok(['export', '--with-keys', '--output', file]),
    ]);
    expect(withoutKeys.stdout).toBe(
      'uid,label,user_id,user_name,api_key\n04A1B2,"Schmidt, Anna",1001,Anna Schmidt,\n05C3D4,,1002,Ben Meyer,\n',
    );
    expect(exported.stderr).toBe(
      `the export holds API keys in plain text: keep it safe, delete it soon\nexported 2 badges to ${file}\n`,
    );
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toContain('old content');
    expect(readFileSync(file, 'utf8')).toContain(`04A1B2,"Schmidt, Anna",1001,Anna Schmidt,${ANNA.apiKey}`);

    w.withStore((badges) => {
      badges.remove('04A1B2');
      badges.remove('05C3D4');
    });
    const imported = await w.ok(['import', file]);
    expect(imported.stdout).toContain('imported 2 badges');
    const strip = ({ createdAt, updatedAt, ...rest }: ReturnType<typeof w.stored>[number]) => rest;
    expect(w.stored().map(strip)).toEqual(before.map(strip));
  });

  it('keeps the stored key for an existing badge whose api_key cell is empty', async () => {
    const w = workspace();
    await w.ok(['add', '04A1B2', '--key', ANNA.apiKey]);
    const file = join(w.dir, 'labels.csv');
    writeFileSync(file, 'uid,label,api_key\n04a1b2,Anna at the door,\n');
    const imported = await w.ok(['import', file]);
    expect(imported.stdout).toContain('0 new, 1 updated');
    expect(w.stored()).toMatchObject([{ label: 'Anna at the door', userId: 1001, apiKey: ANNA.apiKey }]);
  });

  it('changes nothing when a row is bad, and names its line and problem', async () => {
    const w = workspace();
    await w.ok(['add', '04A1B2', '--key', ANNA.apiKey, '--name', 'Anna']);
    const before = w.stored();
    const file = join(w.dir, 'bad.csv');
    writeFileSync(file, `uid,label,api_key\n04A1B2,renamed,\n05C3D4,Ben,${BEN.apiKey}\n06 E5,Clara,key\n`);
    const result = await w.badge(['import', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`nothing imported, ${file} has a bad row`);
    expect(result.stderr).toContain(`${file} line 4: "06 E5" is not a badge UID`);
    expect(w.stored()).toEqual(before);
  });

  it('reports a file it cannot read', async () => {
    const w = workspace();
    const result = await w.badge(['import', join(w.dir, 'missing.csv')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot read');
    expect(result.stderr).toContain('ENOENT');
  });
});

describe('badge set-up errors', SLOW, () => {
  it('exits 78 on a bad configuration', async () => {
    const w = workspace();
    writeFileSync(w.configPath, 'moco: {}\ndataDir: 5\n');
    const result = await w.spawned(['list']);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('invalid configuration');
  });

  it('exits 78 with the key path when the master key does not match the database', async () => {
    const w = workspace();
    await w.ok(['add', '04A1B2', '--key', ANNA.apiKey, '--no-verify']);
    writeFileSync(join(w.dir, 'master.key'), Buffer.alloc(32, 9));
    const result = await w.badge(['list']);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('master key is not the one');
    expect(result.stderr).toContain(join(w.dir, 'master.key'));
  });

  it('exits 78 when the systemd credential is missing', async () => {
    const w = workspace();
    await w.ok(['add', '04A1B2', '--key', ANNA.apiKey, '--no-verify']);
    const result = await w.badge(['list'], { env: { CREDENTIALS_DIRECTORY: w.dir } });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('LoadCredential=master-key:');
  });
});

import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { DoctorContext } from '../../src/doctor/checks.js';
import { databaseCheck } from '../../src/doctor/database.js';
import { databasePath, openDatabase } from '../../src/store/database.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { damagePages } from '../store/damage.js';
import { context, fakeIdentity, removeTempDirs, results, single } from './helpers.js';
import { enrol, notRoot, readMasterKey } from './stores.js';

const opened: DoctorContext[] = [];
afterEach(() => {
  for (const ctx of opened.splice(0)) ctx.found.db?.close();
});
afterAll(removeTempDirs);

function fresh(): DoctorContext {
  const ctx = context();
  opened.push(ctx);
  return ctx;
}

const check = () => databaseCheck({ process: notRoot, identity: fakeIdentity() });
const ANNA = { uid: '04A1', label: 'Anna', userId: 1001, apiKey: 'demo-key-anna' };

describe('databaseCheck', () => {
  it('fails without creating a database when there is none yet', async () => {
    const ctx = fresh();
    const result = await single(check(), ctx);
    expect(result).toEqual({
      status: 'fail',
      detail: `no database yet at ${databasePath(ctx.config.dataDir)}`,
      fix: 'set this kiosk up with "moco-timeclock init" (the installer does), or enrol a first badge with "moco-timeclock badge add"',
    });
    expect(existsSync(ctx.config.dataDir)).toBe(false);
    expect(ctx.found.db).toBeNull();
  });

  it('says, as the daemon would, that a missing or empty database is lost when there is a master key', async () => {
    const ctx = fresh();
    ctx.found.masterKeyPath = join(ctx.configPath, '..', 'master.key');
    const path = databasePath(ctx.config.dataDir);
    const missing = await single(check(), ctx);
    expect(missing).toMatchObject({
      status: 'fail',
      detail: `there is no database at ${path}, but there is a master key (${ctx.found.masterKeyPath}), so this kiosk had one`,
    });
    expect(missing.fix).toContain('moco-timeclock init');
    mkdirSync(ctx.config.dataDir);
    writeFileSync(path, '');
    const empty = await single(check(), ctx);
    expect(empty).toMatchObject({
      status: 'fail',
      detail: `the database ${path} is empty (0 bytes), but there is a master key, so it held badges and taps`,
    });
    expect(statSync(path).size).toBe(0);
  });

  it('finds damaged pages, with what to do', async () => {
    const ctx = fresh();
    enrol(
      ctx,
      Array.from({ length: 300 }, (_, i) => ({ uid: `B${i}`, apiKey: `key-${i}-abcdefgh` })),
    );
    const path = databasePath(ctx.config.dataDir);
    damagePages(path);
    const result = await single(check(), ctx);
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(new RegExp(`^the database ${path} is damaged \\(.+\\)$`));
    expect(result.fix).toContain('restore it from a backup, or move it aside');
  });

  it('reports the schema, badges and taps, and unlocks the badges with the right master key', async () => {
    const ctx = fresh();
    enrol(ctx, [ANNA, { uid: '04B2', apiKey: 'demo-key-ben' }], { pending: 2, failed: 1 });
    ctx.found.masterKey = readMasterKey(ctx);
    const result = await single(check(), ctx);
    expect(result.status).toBe('ok');
    expect(result.detail).toBe(
      `${databasePath(ctx.config.dataDir)}: schema ${MIGRATIONS.length} (current), 2 badges, 2 pending and 1 failed taps (see \`moco-timeclock queue list --failed\`)`,
    );
    expect(ctx.found.badges?.find('04A1')?.apiKey).toBe('demo-key-anna');
  });

  it('brings an older schema up to date, as the daemon would', async () => {
    const ctx = fresh();
    openDatabase(databasePath(ctx.config.dataDir), { migrations: MIGRATIONS.slice(0, 1) }).close();
    const result = await single(check(), ctx);
    expect(result.detail).toContain(`schema ${MIGRATIONS.length} (current), 0 badges`);
  });

  it('fails on a database written by a newer version', async () => {
    const ctx = fresh();
    const db = openDatabase(databasePath(ctx.config.dataDir));
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    const result = await single(check(), ctx);
    expect(result.status).toBe('fail');
    expect(result.detail).toContain('written by a newer moco-timeclock');
    expect(result.fix).toContain('restore a backup');
  });

  it('fails on a master key that does not decrypt the stored keys, and keeps the badges locked', async () => {
    const ctx = fresh();
    enrol(ctx, [ANNA]);
    ctx.found.masterKey = randomBytes(32);
    const [database, key] = await results(check(), ctx);
    expect(database?.status).toBe('ok');
    expect(key).toMatchObject({ status: 'fail', name: 'master key' });
    expect(key?.fix).toContain('restore the original master key');
    expect(ctx.found.badges).toBeNull();
  });

  it('opens without badges when the master key could not be read', async () => {
    const ctx = fresh();
    enrol(ctx, [ANNA]);
    const result = await single(check(), ctx);
    expect(result.detail).toContain('1 badge,');
    expect(ctx.found.db).not.toBeNull();
    expect(ctx.found.badges).toBeNull();
  });

  it.skipIf(process.getuid?.() !== 0)('as root, checks as the owner of the data directory', async () => {
    const ctx = fresh();
    enrol(ctx, [ANNA]);
    chownSync(ctx.config.dataDir, 998, 998);
    const proc = {
      uid: 0,
      getuid() {
        return this.uid;
      },
      setuid(id: number) {
        this.uid = id;
      },
      setgid: () => {},
      setgroups: () => {},
    };
    const result = await single(databaseCheck({ process: proc, identity: fakeIdentity(0) }), ctx);
    expect(proc.uid).toBe(998);
    expect(result.detail).toContain(
      `checked as moco-timeclock (uid 998), the owner of ${ctx.config.dataDir}`,
    );
    // Root's database files were handed to the owner before the switch.
    expect(statSync(databasePath(ctx.config.dataDir)).uid).toBe(998);
  });
});

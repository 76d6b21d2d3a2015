import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DatabaseError,
  databasePath,
  openDatabase,
  runMigrations,
  userVersion,
} from '../../src/store/database.js';
import { MIGRATIONS } from '../../src/store/migrations.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'moco-db-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const tables = (db: BetterSqlite3.Database) =>
  db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((row) => row.name);

describe('openDatabase', () => {
  it('puts the database in the data directory', () => {
    expect(databasePath('/var/lib/moco-timeclock')).toBe('/var/lib/moco-timeclock/timeclock.db');
  });

  it('creates a missing directory (0700) and a private file, and migrates an empty database to the latest version', () => {
    const path = join(dir, 'nested', 'data', 'timeclock.db');
    const db = openDatabase(path);
    expect(userVersion(db)).toBe(MIGRATIONS.length);
    expect(tables(db)).toEqual(expect.arrayContaining(['badges', 'meta', 'unknown_scans']));
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('k', 'v');
    expect(statSync(join(dir, 'nested', 'data')).mode & 0o777).toBe(0o700);
    for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(statSync(file).mode & 0o777).toBe(0o600);
    db.close();
  });

  it('narrows a database file left readable by others', () => {
    const path = join(dir, 'timeclock.db');
    openDatabase(path).close();
    chmodSync(path, 0o644);
    const db = openDatabase(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    db.close();
  });

  it('sets WAL, synchronous=FULL, a busy timeout and foreign keys on every open, including reopening', () => {
    const path = join(dir, 'timeclock.db');
    openDatabase(path).close();
    const db = openDatabase(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });

  it('migrates a database of an older version and keeps its data', () => {
    const path = join(dir, 'timeclock.db');
    const old = openDatabase(path, { migrations: MIGRATIONS.slice(0, 1) });
    expect(userVersion(old)).toBe(1);
    expect(tables(old)).not.toContain('unknown_scans');
    old.prepare("INSERT INTO badges (uid, api_key, created_at, updated_at) VALUES ('AB', 'k', 1, 1)").run();
    old.close();

    const db = openDatabase(path);
    expect(userVersion(db)).toBe(MIGRATIONS.length);
    expect(tables(db)).toContain('unknown_scans');
    expect(db.prepare('SELECT uid FROM badges').all()).toEqual([{ uid: 'AB' }]);
    db.close();
  });

  it('refuses a database written by a newer version and leaves it alone', () => {
    const path = join(dir, 'timeclock.db');
    const newer = openDatabase(path);
    newer.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    newer.close();
    let error: unknown;
    try {
      openDatabase(path);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).code).toBe('downgrade');
    expect((error as DatabaseError).message).toContain(`schema version ${MIGRATIONS.length + 1}`);
    expect((error as DatabaseError).message).toContain('newer version');
    const raw = new BetterSqlite3(path);
    expect(userVersion(raw)).toBe(MIGRATIONS.length + 1);
    raw.close();
  });

  it('rolls back a failing step and stays at the last complete version', () => {
    const path = join(dir, 'timeclock.db');
    const failing = [
      ...MIGRATIONS,
      {
        version: MIGRATIONS.length + 1,
        description: 'breaks half way',
        up(db: BetterSqlite3.Database) {
          db.exec('CREATE TABLE half (x INTEGER)');
          throw new Error('boom');
        },
      },
    ];
    expect(() => openDatabase(path, { migrations: failing })).toThrow(/boom/);
    const db = openDatabase(path);
    expect(userVersion(db)).toBe(MIGRATIONS.length);
    expect(tables(db)).not.toContain('half');
    db.close();
  });

  it('refuses a migration list with a gap', () => {
    const db = new BetterSqlite3(':memory:');
    const gap = [MIGRATIONS[0]!, { ...MIGRATIONS[1]!, version: 3 }];
    expect(() => runMigrations(db, gap)).toThrow(/version 3, expected 2/);
    db.close();
  });

  it('names the path when the database cannot be opened', () => {
    const path = join(dir, 'timeclock.db');
    openDatabase(join(path, 'x')).close();
    expect(() => openDatabase(path)).toThrow(/cannot open the database .*timeclock\.db/);
  });
});

describe('two processes at once', () => {
  it('reads while another connection holds a write transaction', () => {
    const path = join(dir, 'timeclock.db');
    const writer = openDatabase(path);
    const reader = openDatabase(path);
    writer.prepare("INSERT INTO meta (key, value) VALUES ('a', '1')").run();
    writer.exec('BEGIN IMMEDIATE');
    writer.prepare("UPDATE meta SET value = '2' WHERE key = 'a'").run();
    expect(reader.prepare("SELECT value FROM meta WHERE key = 'a'").get()).toEqual({ value: '1' });
    writer.exec('COMMIT');
    expect(reader.prepare("SELECT value FROM meta WHERE key = 'a'").get()).toEqual({ value: '2' });
    writer.close();
    reader.close();
  });

  it('waits for a write lock held by another process instead of failing', async () => {
    const path = join(dir, 'timeclock.db');
    openDatabase(path).close();
    const holdMs = 700;
    // A second process, as the daemon would be: takes the write lock, holds it, then commits.
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import Database from 'better-sqlite3';
         const db = new Database(${JSON.stringify(path)});
         db.exec("BEGIN IMMEDIATE");
         db.prepare("INSERT INTO meta (key, value) VALUES ('child', 'x')").run();
         process.stdout.write('locked\\n');
         setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${holdMs});`,
      ],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));

    const db = openDatabase(path);
    const started = Date.now();
    db.prepare("INSERT INTO meta (key, value) VALUES ('parent', 'y')").run();
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThan(holdMs / 2);
    expect(db.prepare('SELECT key FROM meta ORDER BY key').all()).toEqual([
      { key: 'child' },
      { key: 'parent' },
    ]);
    db.close();
    expect(await exited).toBe(0);
  });
});

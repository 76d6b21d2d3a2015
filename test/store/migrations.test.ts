import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { MIGRATIONS } from '../../src/store/migrations.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'moco-migrations-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const KEYLESS = MIGRATIONS.findIndex((m) => m.description.startsWith('badges without a key'));

describe('the step that lets a badge have no key of its own', () => {
  it('keeps every badge, and whatever another step added to the table, in any order', () => {
    const path = join(dir, 'timeclock.db');
    const old = openDatabase(path, { migrations: MIGRATIONS.slice(0, KEYLESS) });
    // What a step of another branch, run before this one, could have added.
    old.exec(`
      ALTER TABLE badges ADD COLUMN note TEXT NOT NULL DEFAULT '';
      CREATE INDEX badges_by_user ON badges (user_id);
      INSERT INTO badges (uid, label, user_id, api_key, created_at, updated_at, note)
        VALUES ('AB', 'Anna', 7, 'v1:secret', 1, 2, 'kept');
    `);
    old.close();

    const db = openDatabase(path);
    expect(db.prepare('SELECT uid, label, user_id, api_key, note FROM badges').all()).toEqual([
      { uid: 'AB', label: 'Anna', user_id: 7, api_key: 'v1:secret', note: 'kept' },
    ]);
    db.prepare("INSERT INTO badges (uid, user_id, created_at, updated_at) VALUES ('CD', 8, 1, 1)").run();
    expect(db.prepare("SELECT api_key FROM badges WHERE uid = 'CD'").get()).toEqual({ api_key: null });
    const indexes = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'badges' AND sql IS NOT NULL",
      )
      .all();
    expect(indexes).toEqual([{ name: 'badges_by_user' }]);
    expect(() =>
      db.prepare("INSERT INTO badges (uid, created_at, updated_at) VALUES ('AB', 1, 1)").run(),
    ).toThrow(/UNIQUE/);
    db.close();
  });

  it('does nothing to a table whose key may already be empty', () => {
    const path = join(dir, 'timeclock.db');
    const db = openDatabase(path);
    const before = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'badges'").get();
    MIGRATIONS[KEYLESS]?.up(db);
    expect(db.prepare("SELECT sql FROM sqlite_master WHERE name = 'badges'").get()).toEqual(before);
    db.close();
  });
});

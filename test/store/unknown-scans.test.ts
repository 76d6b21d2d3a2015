import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/store/database.js';
import { UnknownScans } from '../../src/store/unknown-scans.js';
import { readUid } from '../readers/uids.js';

let dir: string;
let db: Database;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'moco-unknown-'));
  db = openDatabase(join(dir, 'timeclock.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('UnknownScans', () => {
  it('has nothing before the first unknown tap', () => {
    expect(new UnknownScans(db, { now: () => 0 }).last()).toBeNull();
  });

  it('returns the most recent scan, normalised, with its time', () => {
    const scans = new UnknownScans(db, { now: () => 500 });
    scans.record(readUid('04ab'), 100);
    scans.record(readUid(' 05cd '), 200);
    expect(scans.last()).toEqual({ uid: '05CD', at: 200 });
    scans.record(readUid('06EF'));
    expect(scans.last()).toEqual({ uid: '06EF', at: 500 });
  });

  it('keeps only the newest rows', () => {
    const scans = new UnknownScans(db, { now: () => 0 }, 3);
    for (let i = 1; i <= 10; i += 1) scans.record(readUid(`U${i}`), i);
    const rows = db.prepare('SELECT uid FROM unknown_scans ORDER BY id').all();
    expect(rows).toEqual([{ uid: 'U8' }, { uid: 'U9' }, { uid: 'U10' }]);
    expect(scans.last()).toEqual({ uid: 'U10', at: 10 });
  });
});

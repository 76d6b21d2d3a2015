import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../../src/store/journal.js';
import { DAY_OF, memoryJournal, type Rig, startRig, tapOf } from './harness.js';

let rig: Rig;
afterEach(async () => {
  await rig.close();
});

/** The journal as on a full disk: its writes fail with SQLite's code until space returns. */
class FullDisk extends Journal {
  full = true;
  override markUncertain(...args: Parameters<Journal['markUncertain']>): void {
    if (this.full) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    super.markUncertain(...args);
  }
}

describe('Courier: a journal that cannot be written', () => {
  it('leaves the tap pending and unsent, and delivers it once when the storage works again', async () => {
    const { db } = memoryJournal();
    const journal = new FullDisk(db);
    rig = await startRig({ journal: { db, journal } });
    const tap = rig.append(tapOf('A1', DAY_OF, '08:00'));
    rig.courier.start();
    await rig.until(() =>
      expect(rig.logs.withMsg('delivery loop failed locally; trying again').length).toBeGreaterThan(0),
    );
    // Not failed for an admin, and nothing went out: the mark of what is sent comes before the write.
    expect(rig.journal.get(tap.id)).toMatchObject({ state: 'pending', attempts: 0, lastError: null });
    expect(rig.writes()).toEqual([]);

    journal.full = false;
    rig.courier.kick();
    await rig.until(() => expect(rig.journal.get(tap.id)?.state).toBe('delivered'));
    expect(rig.writes()).toHaveLength(1);
  });
});

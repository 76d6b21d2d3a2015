import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DoctorContext } from '../../src/doctor/checks.js';
import type { AddBadgeInput } from '../../src/store/badges.js';
import { openStores } from '../../src/store/open.js';

/** Never root, so openStores never switches users in a test. */
export const notRoot = { getuid: () => 1000 };

const TAP = {
  userName: null,
  atMs: 0,
  localDate: '2025-01-15',
  localTime: '09:00',
  clockSynced: true,
  monoNs: null,
  bootId: null,
};

/**
 * A database as the daemon and `badge add` leave it, with its master key beside the config file,
 * and `pending` plus `failed` taps in the journal.
 */
export function enrol(
  ctx: DoctorContext,
  badges: AddBadgeInput[],
  taps: { pending?: number; failed?: number } = {},
): void {
  const stores = openStores({
    config: { dataDir: ctx.config.dataDir, configPath: ctx.configPath },
    env: {},
    clock: { now: () => 0 },
    process: notRoot,
  });
  try {
    for (const badge of badges) stores.badges.add(badge);
    for (let i = 0; i < (taps.pending ?? 0); i += 1) stores.journal.append({ ...TAP, uid: 'P', userId: 1 });
    for (let i = 0; i < (taps.failed ?? 0); i += 1) {
      const tap = stores.journal.append({ ...TAP, uid: 'F', userId: 2 });
      stores.journal.markFailed(tap.id, { outcome: 'rejected', reason: 'test', uncertain: false });
    }
  } finally {
    stores.close();
  }
}

/** What the master key check would have found. */
export function readMasterKey(ctx: DoctorContext): Buffer {
  return readFileSync(join(ctx.configPath, '..', 'master.key'));
}

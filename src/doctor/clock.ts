import { explainClockOffset } from '../failures/explain.js';
import { type ClockSyncProbe, systemClockProbe } from '../time/sync.js';
import { type Check, type CheckResult, fail, ok } from './checks.js';

/**
 * Taps carry the system time: an unsynchronised clock books wrong presences or holds taps back. The
 * MOCO check's answers carry MOCO's clock, so a clock that is off shows even where nothing can tell
 * whether it is synchronised; said as `status` says it.
 */
export function clockCheck(probe: ClockSyncProbe = systemClockProbe()): Check {
  return {
    name: 'clock',
    async run({ found }) {
      const results = [await synchronisation(probe)];
      const offset = found.mocoClockOffsetMs ?? null;
      if (offset !== null) {
        const verdict = explainClockOffset(offset);
        results.push(verdict.action === null ? ok(verdict.meaning) : fail(verdict.meaning, verdict.action));
      }
      return results;
    },
  };
}

async function synchronisation(probe: ClockSyncProbe): Promise<CheckResult> {
  const synchronized = await probe.synchronized();
  if (synchronized === true) return ok('the system clock is synchronised');
  if (synchronized === null) return ok('cannot tell (no timesyncd/timedated); trusted');
  return fail(
    'the system clock is not synchronised; taps queued meanwhile are held until it is',
    'sudo timedatectl set-ntp true, and check the network (NTP needs outgoing UDP port 123)',
  );
}

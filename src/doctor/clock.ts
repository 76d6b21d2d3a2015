import { type ClockSyncProbe, systemClockProbe } from '../time/sync.js';
import { type Check, fail, ok } from './checks.js';

/** Taps carry the system time: an unsynchronised clock books wrong presences or holds taps back. */
export function clockCheck(probe: ClockSyncProbe = systemClockProbe()): Check {
  return {
    name: 'clock',
    async run() {
      const synchronized = await probe.synchronized();
      if (synchronized === true) return ok('the system clock is synchronised');
      if (synchronized === null) return ok('cannot tell (no timesyncd/timedated); trusted');
      return fail(
        'the system clock is not synchronised; taps queued meanwhile are held until it is',
        'sudo timedatectl set-ntp true, and check the network (NTP needs outgoing UDP port 123)',
      );
    },
  };
}

import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** Whether the system clock is synchronised: true, false, or null when nothing can tell. */
export interface ClockSyncProbe {
  synchronized(): Promise<boolean | null>;
}

/** A clock that counts from boot and never jumps, with the boot it counts from. */
export interface MonotonicSource {
  nowNs(): bigint;
  bootId(): string | null;
}

/** A process lives within one boot: the boot id is read once, not on every tap (an open, a read, a close). */
let bootIdOfThisProcess: string | null | undefined;

export const processMonotonic: MonotonicSource = {
  nowNs: () => process.hrtime.bigint(),
  bootId: () => {
    if (bootIdOfThisProcess !== undefined) return bootIdOfThisProcess;
    try {
      bootIdOfThisProcess = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootIdOfThisProcess = null;
    }
    return bootIdOfThisProcess;
  },
};

type Exec = (file: string, args: string[]) => Promise<string>;

const execText: Exec = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 3000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });

/**
 * systemd-timesyncd touches /run/systemd/timesync/synchronized once it has synchronised; timedated
 * knows about other NTP daemons too. Neither present (a container, CI): null.
 */
export function systemClockProbe(options: { flagFile?: string; exec?: Exec } = {}): ClockSyncProbe {
  const flagFile = options.flagFile ?? '/run/systemd/timesync/synchronized';
  const exec = options.exec ?? execText;
  return {
    async synchronized() {
      if (existsSync(flagFile)) return true;
      try {
        const answer = (await exec('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'])).trim();
        if (answer === 'yes') return true;
        if (answer === 'no') return false;
      } catch {
        // No timedatectl, or no timedated behind it: nothing can tell.
      }
      return null;
    },
  };
}

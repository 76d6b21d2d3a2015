import { readFileSync } from 'node:fs';
import { benchKiosk } from './fixture.js';
import { PtyReader } from './pty-reader.js';
import { DaemonProcess } from './real-path.js';
import { mib } from './stats.js';

export interface IdleFigures {
  label: string;
  /** Share of one core the daemon used while nothing happened. */
  cpu: number;
  rss: number;
  /** Requests MOCO answered while nothing happened (keep-warm's). */
  requests: number;
}

/** Clock ticks per second of /proc/PID/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * The daemon at rest, as it spends most of its life: `moco-timeclock run` with a serial reader on
 * a pty and the simulator in another process, MOCO's own rate limit, one tap to start with; then
 * `seconds` with nothing to do. With keep-warm off and at its default (3 % of the rate limit, a
 * request before a 60 s idle timeout).
 */
export async function benchIdle(seconds: number): Promise<IdleFigures[]> {
  const results: IdleFigures[] = [];
  for (const [label, keepWarm] of [
    ['keep-warm off', 'keepWarm: { share: 0 }'],
    ['keep-warm default', null],
  ] as const) {
    const pty = await PtyReader.open();
    const kiosk = await benchKiosk(1, {
      separateSim: true,
      simArgs: ['--keep-alive-seconds', '60'],
      reader: `{ type: serial, path: "${pty.path}", protocol: rdm6300 }`,
      rateLimit: { requests: 120, perSeconds: 120 },
      moco: keepWarm === null ? [] : [keepWarm],
    });
    const daemon = await DaemonProcess.start(kiosk);
    try {
      await daemon.tap(pty, kiosk.uidOf(0));
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      const requestsBefore = total(kiosk.simRequests);
      const ticksBefore = cpuTicks(daemon.pid);
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      const cpu = (cpuTicks(daemon.pid) - ticksBefore) / TICKS_PER_SECOND / seconds;
      results.push({
        label,
        cpu,
        rss: rssBytes(daemon.pid),
        requests: total(kiosk.simRequests) - requestsBefore,
      });
    } finally {
      await daemon.stop();
      pty.close();
      await kiosk.cleanup();
    }
  }
  return results;
}

function total(requests: ReadonlyMap<string, number>): number {
  let sum = 0;
  for (const count of requests.values()) sum += count;
  return sum;
}

function cpuTicks(pid: number): number {
  // After the command's name in parentheses: utime and stime are the 12th and 13th fields.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? Number.NaN) * 1024;
}

export function describeIdle(seconds: number, figures: IdleFigures[]): string {
  return [
    `idle daemon over ${seconds} s (moco-timeclock run, serial reader on a pty, MOCO's rate limit):`,
    ...figures.map(
      (f) =>
        `  ${f.label.padEnd(18)} CPU ${(f.cpu * 100).toFixed(2)} % of a core, RSS ${mib(f.rss)}, ${f.requests} requests to MOCO`,
    ),
  ].join('\n');
}

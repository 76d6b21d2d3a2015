import { PassThrough, Writable } from 'node:stream';
import { startDaemon } from '../src/daemon.js';
import { createLogger } from '../src/log.js';
import { openStores } from '../src/store/open.js';
import { systemClock } from '../src/time/clock.js';
import { localParts } from '../src/time/local.js';
import { benchKiosk } from './fixture.js';
import { mib, percentile } from './stats.js';

export interface BacklogResult {
  badges: number;
  pending: number;
  enqueueRate: number;
  enqueueSamples: number;
  rssEmpty: number;
  rssPending: number;
  nextDueMs: number;
  drainSeconds: number;
  drained: number;
  drainRate: number;
  rssDuringDrain: number[];
}

const HOUR_MS = 3_600_000;

/**
 * A kiosk that was offline for weeks: `pending` taps of `badges` badges. Measures the durable
 * enqueue rate (one fsync per tap, as at the door), the memory held with the backlog, and the
 * drain: speed against the simulator and memory while draining.
 */
export async function benchBacklog(
  badges: number,
  pending: number,
  measuredEnqueues: number,
  drainSeconds: number,
) {
  const kiosk = await benchKiosk(badges, { separateSim: true });
  try {
    const stores = openStores({ config: kiosk.config, env: {}, clock: systemClock });
    globalThis.gc?.();
    const rssEmpty = process.memoryUsage().rss;
    const start = Date.UTC(2026, 10, 2, 7, 0);
    const tapAt = (n: number) => {
      const user = n % badges;
      // One user's taps are minutes apart, as the repeat guard keeps them.
      const atMs = start + Math.floor(n / badges) * 5 * 60_000 + (user % 1000) * 10;
      const { date, time } = localParts(atMs, 'UTC');
      return {
        uid: kiosk.uidOf(user),
        userId: kiosk.users[user]?.id ?? null,
        userName: null,
        atMs,
        localDate: date,
        localTime: time,
        clockSynced: true,
        monoNs: null,
        bootId: null,
      };
    };
    const began = performance.now();
    for (let n = 0; n < measuredEnqueues; n++) stores.journal.append(tapAt(n));
    const enqueueRate = measuredEnqueues / ((performance.now() - began) / 1000);
    stores.db.transaction(() => {
      for (let n = measuredEnqueues; n < pending; n++) stores.journal.append(tapAt(n));
    })();
    globalThis.gc?.();
    const rssPending = process.memoryUsage().rss;
    const lookups: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      stores.journal.nextDue(start + 1000 * HOUR_MS);
      lookups.push(performance.now() - t);
    }
    stores.close();

    let drained = 0;
    const log = new Writable({
      write(chunk: Buffer, _encoding, done) {
        drained += chunk.toString('utf8').split('"msg":"delivered"').length - 1;
        done();
      },
    });
    const daemon = await startDaemon({
      config: kiosk.config,
      env: {},
      logger: createLogger('info', log),
      stdin: new PassThrough(),
      clockProbe: { synchronized: async () => true },
    });
    const rssDuringDrain: number[] = [];
    const drainStart = performance.now();
    for (let s = 0; s < drainSeconds; s++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      rssDuringDrain.push(process.memoryUsage().rss);
    }
    const elapsed = (performance.now() - drainStart) / 1000;
    const drainedInWindow = drained;
    await daemon.stop();
    return {
      badges,
      pending,
      enqueueRate,
      enqueueSamples: measuredEnqueues,
      rssEmpty,
      rssPending,
      nextDueMs: percentile(lookups, 50),
      drainSeconds: elapsed,
      drained: drainedInWindow,
      drainRate: drainedInWindow / elapsed,
      rssDuringDrain,
    } satisfies BacklogResult;
  } finally {
    await kiosk.cleanup();
  }
}

export function describeBacklog(r: BacklogResult): string {
  const first = r.rssDuringDrain[0] ?? 0;
  const last = r.rssDuringDrain.at(-1) ?? 0;
  return [
    `backlog: ${r.pending.toLocaleString('en')} pending taps, ${r.badges.toLocaleString('en')} badges`,
    `  durable enqueue rate: ${Math.round(r.enqueueRate)} taps/s (one fsync each, over ${r.enqueueSamples} taps)`,
    `  RSS: ${mib(r.rssEmpty)} with the badges, ${mib(r.rssPending)} with the backlog`,
    `  next-due lookup with the backlog: ${r.nextDueMs.toFixed(3)} ms (p50)`,
    `  drain against the simulator (rate limit lifted): ${Math.round(r.drainRate)} taps/s over ${r.drainSeconds.toFixed(0)} s (${r.drained} delivered)`,
    `  RSS while draining: first second ${mib(first)}, last second ${mib(last)}, max ${mib(Math.max(...r.rssDuringDrain))}`,
  ].join('\n');
}

import { PassThrough, Writable } from 'node:stream';
import { startDaemon } from '../src/daemon.js';
import { createLogger } from '../src/log.js';
import { openStores } from '../src/store/open.js';
import { systemClock } from '../src/time/clock.js';
import { localParts } from '../src/time/local.js';
import { benchKiosk } from './fixture.js';

export interface DrainResult {
  users: number;
  taps: number;
  requestsPerTap: number;
  readsPerTap: number;
  limit: { requests: number; perSeconds: number };
  measuredSeconds: number;
  steadyRate: number;
}

/**
 * A morning's taps of several people queued during an outage, then delivered by explicit writes.
 * First with the limiter lifted, counting the requests each tap costs (a read of the user's day, a
 * write, and no read where the courier's own last write already told it the day); then with MOCO's
 * rate of one request per second, measuring the delivered taps per second once the first window's
 * allowance is spent. MOCO's window is 2 minutes; here it is `limit.perSeconds` at the same rate, so
 * the steady state shows within the run.
 */
export async function benchDrain(
  users: number,
  tapsPerUser: number,
  limit: { requests: number; perSeconds: number },
  seconds: number,
): Promise<DrainResult> {
  const lifted = await drain(users, tapsPerUser, undefined, 60);
  const limited = await drain(users, tapsPerUser, limit, seconds);
  return {
    users,
    taps: lifted.taps,
    requestsPerTap: lifted.requests / lifted.delivered,
    readsPerTap: lifted.reads / lifted.delivered,
    limit,
    measuredSeconds: limited.steadySeconds,
    steadyRate: limited.steadyDelivered / limited.steadySeconds,
  };
}

async function drain(
  users: number,
  tapsPerUser: number,
  limit: { requests: number; perSeconds: number } | undefined,
  seconds: number,
) {
  const kiosk = await benchKiosk(users, { rateLimit: limit });
  const sim = kiosk.sim;
  if (sim === null) throw new Error('the drain bench needs the in-process simulator');
  try {
    const stores = openStores({ config: kiosk.config, env: {}, clock: systemClock });
    const start = Date.UTC(2026, 10, 2, 7, 0);
    stores.db.transaction(() => {
      for (let k = 0; k < tapsPerUser; k++) {
        for (let u = 0; u < users; u++) {
          const atMs = start + k * 17 * 60_000 + u * 60_000;
          const { date, time } = localParts(atMs, 'UTC');
          stores.journal.append({
            uid: kiosk.uidOf(u),
            userId: kiosk.users[u]?.id ?? null,
            userName: null,
            atMs,
            localDate: date,
            localTime: time,
            clockSynced: true,
            monoNs: null,
            bootId: null,
          });
        }
      }
    })();
    stores.close();
    const taps = users * tapsPerUser;
    const deliveredAt: number[] = [];
    const log = new Writable({
      write(chunk: Buffer, _encoding, done) {
        const n = chunk.toString('utf8').split('"msg":"delivered"').length - 1;
        for (let i = 0; i < n; i++) deliveredAt.push(performance.now());
        done();
      },
    });
    const began = performance.now();
    const daemon = await startDaemon({
      config: kiosk.config,
      env: {},
      logger: createLogger('info', log),
      stdin: new PassThrough(),
      clockProbe: { synchronized: async () => true },
    });
    const deadline = began + seconds * 1000;
    while (deliveredAt.length < taps && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const ended = performance.now();
    await daemon.stop();
    const requests = sim.requests();
    // After the first window the limiter lets one request through per `perSeconds / requests`.
    const steadyFrom = began + (limit?.perSeconds ?? 0) * 1000;
    const steady = deliveredAt.filter((t) => t >= steadyFrom);
    return {
      taps,
      delivered: deliveredAt.length,
      requests: requests.length,
      reads: requests.filter((r) => r.method === 'GET').length,
      steadyDelivered: steady.length,
      steadySeconds: (ended - steadyFrom) / 1000,
    };
  } finally {
    await kiosk.cleanup();
  }
}

export function describeDrain(r: DrainResult): string {
  const perSecond = r.limit.requests / r.limit.perSeconds;
  return [
    `drain of ${r.taps} late taps (${r.users} people, in and out), by explicit writes:`,
    `  ${r.requestsPerTap.toFixed(2)} requests per tap (${r.readsPerTap.toFixed(2)} reads): one write each, one read per person's run of taps`,
    `  at MOCO's rate (${perSecond} request/s; window ${r.limit.perSeconds} s here, 120 s at MOCO): ${r.steadyRate.toFixed(2)} taps/s over ${r.measuredSeconds.toFixed(0)} s`,
    `  so 120 requests per 2 minutes deliver about ${(perSecond / r.requestsPerTap).toFixed(2)} taps/s, ${Math.round((3600 * perSecond) / r.requestsPerTap)} taps an hour`,
  ].join('\n');
}

import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { startDaemon } from '../src/daemon.js';
import { createLogger } from '../src/log.js';
import type { Simulator } from '../src/moco/sim/index.js';
import { benchKiosk } from './fixture.js';
import { Floor, measureFloor } from './floor.js';
import { ms, percentile } from './stats.js';

const GAP_MS = 20;

export interface LatencyResult {
  taps: number;
  online: { p50: number; p99: number };
  offline: { p50: number; p99: number };
  floor: { p50: number; p99: number };
}

/**
 * Tap-to-outcome latency of the real daemon (stdin reader -> scan log line) against the embedded
 * simulator on loopback, beside the floor: one durable SQLite insert plus one HTTP touch.
 */
export async function benchLatency(taps: number): Promise<LatencyResult> {
  const kiosk = await benchKiosk(taps * 3);
  const sim = kiosk.sim as Simulator;
  try {
    // Stamped when the scan line is written, right after signals.show: that is when the person
    // at the door gets the answer, before the journal records the delivery.
    const waiting = new Map<string, (at: number) => void>();
    const lines = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) {
          if (!line.includes('"msg":"scan"')) continue;
          const uid = (JSON.parse(line) as { uid: string }).uid;
          waiting.get(uid)?.(performance.now());
        }
        done();
      },
    });
    const input = new PassThrough();
    const daemon = await startDaemon({
      config: kiosk.config,
      env: {},
      logger: createLogger('info', lines),
      stdin: input,
      clockProbe: { synchronized: async () => true },
    });
    const tapOnce = async (uid: string) => {
      // At a door taps are seconds apart: let the previous tap's after-work (recording the
      // delivery, the status) finish instead of billing it to this one.
      await new Promise((resolve) => setTimeout(resolve, GAP_MS));
      const started = performance.now();
      const answered = new Promise<number>((resolve) => waiting.set(uid, resolve));
      input.write(`${uid}\n`);
      return (await answered) - started;
    };
    // Warm-up: JIT, connection pool, prepared statements.
    for (let i = 0; i < 20; i++) await tapOnce(kiosk.uidOf(taps * 2 + i));
    const online: number[] = [];
    for (let i = 0; i < taps; i++) online.push(await tapOnce(kiosk.uidOf(i)));
    await sim.faults.setOffline(true);
    await tapOnce(kiosk.uidOf(taps * 2 + 30)); // learns that MOCO is unreachable
    const offline: number[] = [];
    for (let i = 0; i < taps; i++) offline.push(await tapOnce(kiosk.uidOf(taps + i)));
    await daemon.stop();
    await sim.faults.setOffline(false);

    const floor = await benchFloor(
      sim.baseUrl,
      join(kiosk.dir, 'floor.db'),
      kiosk.users.slice(taps * 2 + 40),
    );
    return {
      taps,
      online: { p50: percentile(online, 50), p99: percentile(online, 99) },
      offline: { p50: percentile(offline, 50), p99: percentile(offline, 99) },
      floor: { p50: percentile(floor, 50), p99: percentile(floor, 99) },
    };
  } finally {
    await kiosk.cleanup();
  }
}

/** The same work without the daemon: a durable insert, then a touch on a kept-alive connection. */
async function benchFloor(baseUrl: string, file: string, users: { apiKey: string }[]): Promise<number[]> {
  const floor = new Floor({ baseUrl, certFile: null, file });
  const samples = await measureFloor(
    floor,
    users.map((user) => user.apiKey),
    GAP_MS,
    20,
  );
  await floor.close();
  return samples;
}

export function describeLatency(result: LatencyResult): string {
  const ratio = result.online.p99 / result.floor.p99;
  return [
    `tap-to-outcome over ${result.taps} taps each:`,
    `  online   p50 ${ms(result.online.p50)}  p99 ${ms(result.online.p99)}`,
    `  floor    p50 ${ms(result.floor.p50)}  p99 ${ms(result.floor.p99)}  (durable insert + HTTP touch, no daemon)`,
    `  online p99 / floor p99 = ${ratio.toFixed(2)}x (target <= 1.5x)`,
    `  offline  p50 ${ms(result.offline.p50)}  p99 ${ms(result.offline.p99)}  (target p99 < 20 ms)`,
  ].join('\n');
}

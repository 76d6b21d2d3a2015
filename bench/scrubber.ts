import { randomBytes } from 'node:crypto';
import { KeyScrubber } from '../src/key-scrubber.js';

export interface ScrubberFigures {
  keys: number;
  /** Adding the keys one by one, in all: each badge's first tap adds its key. */
  addAllMs: number;
  /** One scan line of the daemon's, as every line it logs and every MOCO answer is scrubbed. */
  scrubUs: number;
}

const SCRUBS = 5000;

/** What the key scrubber costs a tap, by how many keys it knows (one per badge with its own key). */
export function benchScrubber(counts: number[]): ScrubberFigures[] {
  return counts.map((keys) => {
    const scrubber = new KeyScrubber();
    let started = performance.now();
    for (let i = 0; i < keys; i += 1) scrubber.add(randomBytes(16).toString('hex'));
    const addAllMs = performance.now() - started;
    const line = JSON.stringify({
      level: 30,
      time: Date.now(),
      part: 'tap',
      uid: 'B000000239',
      tapId: 160,
      userId: 10239,
      userName: 'User 239',
      outcome: 'clocked_in',
      msg: 'scan',
    });
    for (let i = 0; i < 500; i += 1) scrubber.scrub(line);
    started = performance.now();
    for (let i = 0; i < SCRUBS; i += 1) scrubber.scrub(line);
    return { keys, addAllMs, scrubUs: ((performance.now() - started) / SCRUBS) * 1000 };
  });
}

export function describeScrubber(figures: ScrubberFigures[]): string {
  return [
    'key scrubber (every log line and MOCO answer), by keys known:',
    ...figures.map(
      (f) =>
        `  ${String(f.keys).padStart(5)} keys: all added in ${f.addAllMs.toFixed(1)} ms, a scan line scrubbed in ${f.scrubUs.toFixed(1)} µs`,
    ),
  ].join('\n');
}

import { randomBytes } from 'node:crypto';
import { KeyScrubber } from '../src/key-scrubber.js';

export interface ScrubberFigures {
  keys: number;
  /** Adding the keys one by one, in all: each badge's first tap adds its key. */
  addAllMs: number;
  /** One scan line of the daemon's, as every line it logs is scrubbed. */
  scrubUs: number;
  /** MOCO's answer to a touch (a presence), as every answer is scrubbed. */
  answerUs: number;
}

const SCRUBS = 5000;

/** What the key scrubber costs a tap, by how many keys it knows (one per badge with its own key). */
export function benchScrubber(counts: number[]): ScrubberFigures[] {
  return counts.map((keys) => {
    const scrubber = new KeyScrubber();
    const started = performance.now();
    for (let i = 0; i < keys; i += 1) {
      // As the MOCO client adds a key: before its first request, its variants once that is sent.
      scrubber.add(randomBytes(16).toString('hex'));
      scrubber.prepare();
    }
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
    return { keys, addAllMs, scrubUs: timeScrub(scrubber, line), answerUs: timeScrub(scrubber, ANSWER) };
  });
}

/** A presence as MOCO answers a touch (presence-touch-200.json), with the user's id and name. */
const ANSWER = JSON.stringify({
  id: 982237015,
  date: '2026-12-02',
  from: '08:31',
  to: null,
  is_home_office: false,
  user: { id: 933590696, firstname: 'Anna', lastname: 'Lenz' },
  created_at: '2026-12-02T08:31:05Z',
  updated_at: '2026-12-02T08:31:05Z',
});

function timeScrub(scrubber: KeyScrubber, text: string): number {
  for (let i = 0; i < 500; i += 1) scrubber.scrub(text);
  const started = performance.now();
  for (let i = 0; i < SCRUBS; i += 1) scrubber.scrub(text);
  return ((performance.now() - started) / SCRUBS) * 1000;
}

export function describeScrubber(figures: ScrubberFigures[]): string {
  return [
    'key scrubber (every log line and MOCO answer), by keys known:',
    ...figures.map(
      (f) =>
        `  ${String(f.keys).padStart(5)} keys: all added in ${f.addAllMs.toFixed(1)} ms, a scan line scrubbed in ${f.scrubUs.toFixed(1)} µs, a touch answer in ${f.answerUs.toFixed(1)} µs`,
    ),
  ].join('\n');
}

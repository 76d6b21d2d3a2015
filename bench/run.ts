import { benchImportWait, benchQueueList, describeImportWait, describeQueueList } from './admin.js';
import { benchBacklog, describeBacklog } from './backlog.js';
import { benchDrain, describeDrain } from './drain.js';
import { benchFleet, describeFleet } from './fleet.js';
import { benchIdle, describeIdle } from './idle.js';
import { benchLatency, describeLatency } from './latency.js';
import { benchRealPath, benchSilence, describeRealPath, describeSilence } from './real-path.js';
import { benchScrubber, describeScrubber } from './scrubber.js';

/**
 * `npm run bench`: figures for bench/README.md. Not a test: nothing here passes or fails.
 * `npm run bench -- real-path latency` runs only the parts named.
 */
const taps = Number(process.env.BENCH_TAPS ?? 1000);
const pathTaps = Number(process.env.BENCH_PATH_TAPS ?? 300);
const roundTripMs = Number(process.env.BENCH_RTT_MS ?? 30);
const pending = Number(process.env.BENCH_PENDING ?? 100_000);
const badges = Number(process.env.BENCH_BADGES ?? 10_000);
const drainSeconds = Number(process.env.BENCH_DRAIN_SECONDS ?? 15);
const limitedSeconds = Number(process.env.BENCH_LIMITED_SECONDS ?? 45);
const listed = Number(process.env.BENCH_LISTED ?? 100_000);
const importRows = (process.env.BENCH_IMPORT_ROWS ?? '10000,60000').split(',').map(Number);
const fleetUsers = Number(process.env.BENCH_FLEET_USERS ?? 250);

const parts: Record<string, () => Promise<string>> = {
  latency: async () => describeLatency(await benchLatency(taps)),
  'real-path': async () => describeRealPath(await benchRealPath(pathTaps, [0, roundTripMs])),
  silence: async () =>
    describeSilence(await benchSilence(Number(process.env.BENCH_SILENT_TAPS ?? 30), 20_000, roundTripMs)),
  idle: async () => {
    const seconds = Number(process.env.BENCH_IDLE_SECONDS ?? 120);
    return describeIdle(seconds, await benchIdle(seconds));
  },
  scrubber: async () => describeScrubber(benchScrubber([10, 250, 2000])),
  backlog: async () => describeBacklog(await benchBacklog(badges, pending, 2_000, drainSeconds)),
  drain: async () => describeDrain(await benchDrain(8, 30, { requests: 12, perSeconds: 12 }, limitedSeconds)),
  'queue-list': async () => describeQueueList(listed, await benchQueueList(listed)),
  import: async () => {
    const waits = [];
    for (const rows of importRows) waits.push(await benchImportWait(rows));
    return describeImportWait(waits);
  },
  fleet: async () => describeFleet(await benchFleet(3, fleetUsers, 20, 6)),
};

const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in parts));
if (unknown.length > 0) {
  console.error(`unknown part ${unknown.join(', ')}; the parts are: ${Object.keys(parts).join(', ')}`);
  process.exit(2);
}
for (const [name, run] of Object.entries(parts)) {
  if (chosen.length > 0 && !chosen.includes(name)) continue;
  console.log(await run());
  console.log();
}

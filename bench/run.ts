import { benchImportWait, benchQueueList, describeImportWait, describeQueueList } from './admin.js';
import { benchBacklog, describeBacklog } from './backlog.js';
import { benchDrain, describeDrain } from './drain.js';
import { benchFleet, describeFleet } from './fleet.js';
import { benchLatency, describeLatency } from './latency.js';

/** `npm run bench`: figures for bench/README.md. Not a test: nothing here passes or fails. */
const taps = Number(process.env.BENCH_TAPS ?? 1000);
const pending = Number(process.env.BENCH_PENDING ?? 100_000);
const badges = Number(process.env.BENCH_BADGES ?? 10_000);
const drainSeconds = Number(process.env.BENCH_DRAIN_SECONDS ?? 15);
const limitedSeconds = Number(process.env.BENCH_LIMITED_SECONDS ?? 45);
const listed = Number(process.env.BENCH_LISTED ?? 100_000);
const importRows = (process.env.BENCH_IMPORT_ROWS ?? '10000,60000').split(',').map(Number);
const fleetUsers = Number(process.env.BENCH_FLEET_USERS ?? 250);

console.log(describeLatency(await benchLatency(taps)));
console.log();
console.log(describeBacklog(await benchBacklog(badges, pending, 2_000, drainSeconds)));
console.log();
console.log(describeDrain(await benchDrain(8, 30, { requests: 12, perSeconds: 12 }, limitedSeconds)));
console.log();
console.log(describeQueueList(listed, await benchQueueList(listed)));
console.log();
const waits = [];
for (const rows of importRows) waits.push(await benchImportWait(rows));
console.log(describeImportWait(waits));
console.log();
console.log(describeFleet(await benchFleet(3, fleetUsers, 20, 6)));

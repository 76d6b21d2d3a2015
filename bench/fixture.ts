import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig } from '../src/config/index.js';
import { type SimUser, type Simulator, startSimulator } from '../src/moco/sim/index.js';
import { openStores } from '../src/store/open.js';
import { systemClock } from '../src/time/clock.js';

export interface BenchKiosk {
  /** The in-process simulator, or null when it runs in its own process. */
  sim: Simulator | null;
  dir: string;
  config: ReturnType<typeof loadConfig> & { configPath: string };
  users: SimUser[];
  uidOf(index: number): string;
  /** With `separateSim`: the requests it answered so far, by `METHOD /path`. */
  simRequests: ReadonlyMap<string, number>;
  cleanup(): Promise<void>;
}

/**
 * A simulator with `count` users and a data directory with one enrolled badge per user. With
 * `separateSim`, the simulator runs as `moco-timeclock sim` in a child process, so this
 * process's memory is the daemon's alone.
 */
export interface BenchKioskOptions {
  separateSim?: boolean;
  rateLimit?: { requests: number; perSeconds: number };
  /** More arguments of `moco-timeclock sim` (separateSim only), e.g. its TLS files. */
  simArgs?: string[];
  /** What stands between the daemon and the simulator: given the simulator's base URL, the daemon's. */
  route?: (simBaseUrl: string) => Promise<string>;
  /** The `reader` section as YAML flow; default the stdin reader. */
  reader?: string;
  /** More entries of the `moco` section as YAML flow, e.g. `caFile: /x`. */
  moco?: string[];
}

export async function benchKiosk(count: number, options: BenchKioskOptions = {}): Promise<BenchKiosk> {
  const dir = mkdtempSync(join(tmpdir(), 'moco-bench-'));
  const users: SimUser[] = Array.from({ length: count }, (_, i) => ({
    id: 10_000 + i,
    firstname: 'User',
    lastname: String(i),
    apiKey: `bench-key-${i}`,
  }));
  let sim: Simulator | null = null;
  let child: ChildProcess | null = null;
  const simRequests = new Map<string, number>();
  let baseUrl: string;
  if (options.separateSim) {
    const usersFile = join(dir, 'users.json');
    writeFileSync(usersFile, JSON.stringify(users));
    ({ child, baseUrl } = await spawnSimulator(usersFile, options.simArgs ?? [], simRequests));
  } else {
    sim = await startSimulator({ port: 0, timeZone: 'UTC', users });
    baseUrl = sim.baseUrl;
  }
  if (options.route !== undefined) baseUrl = await options.route(baseUrl);
  const limit = options.rateLimit ?? { requests: 10_000, perSeconds: 1 };
  const moco = [
    `baseUrl: "${baseUrl}"`,
    'timeoutMs: 2000',
    `rateLimit: { requests: ${limit.requests}, perSeconds: ${limit.perSeconds} }`,
    ...(options.moco ?? []),
  ];
  const configPath = join(dir, 'config.yaml');
  writeFileSync(
    configPath,
    [
      // Unless asked for, the limiter is lifted: these figures are about the daemon, not MOCO's allowance.
      `moco: { ${moco.join(', ')} }`,
      'timezone: UTC',
      `dataDir: "${join(dir, 'data')}"`,
      `reader: ${options.reader ?? '{ type: stdin }'}`,
      'signals: { driver: none, selfTest: false }',
      'log: { level: info }',
    ].join('\n'),
  );
  const config = { ...loadConfig(configPath), configPath };
  const uidOf = (index: number) => `B${String(index).padStart(9, '0')}`;
  const stores = openStores({ config, env: {}, clock: systemClock });
  stores.db.transaction(() => {
    users.forEach((user, i) => {
      stores.badges.add({
        uid: uidOf(i),
        label: null,
        userId: user.id,
        userName: `User ${i}`,
        apiKey: user.apiKey,
      });
    });
  })();
  stores.close();
  return {
    sim,
    dir,
    config,
    users,
    uidOf,
    simRequests,
    cleanup: async () => {
      await sim?.close();
      child?.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The CLI as built with the benchmark (dist-bench/src/cli.js): the same code as dist/cli.js. */
export const BENCH_CLI = new URL('../src/cli.js', import.meta.url).pathname;

async function spawnSimulator(
  usersFile: string,
  args: string[],
  requests: Map<string, number>,
): Promise<{ child: ChildProcess; baseUrl: string }> {
  const child = spawn(
    process.execPath,
    [BENCH_CLI, 'sim', '--port', '0', '--users', usersFile, '--timezone', 'UTC', ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const match = /https?:\/\/127\.0\.0\.1:\d+\/api\/v1/.exec(seen);
      if (match) {
        child.stdout?.off('data', onData);
        resolve(match[0]);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}: ${seen}`)));
  });
  // The simulator logs a line per request: counted by method and path, for what a run cost MOCO.
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const entry = parseRequestLine(line);
    if (entry !== null) requests.set(entry, (requests.get(entry) ?? 0) + 1);
  });
  return { child, baseUrl };
}

/** `GET /api/v1/session` of one of the simulator's request lines, or null for any other line. */
function parseRequestLine(line: string): string | null {
  try {
    const entry = JSON.parse(line) as { msg?: string; method?: string; path?: string };
    return entry.msg === 'request' ? `${entry.method} ${entry.path}` : null;
  } catch {
    return null;
  }
}

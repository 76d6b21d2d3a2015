import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { type SimUser, type Simulator, startSimulator } from '../src/moco/sim/index.js';
import { openStores } from '../src/store/open.js';
import { systemClock } from '../src/time/clock.js';

export interface BenchKiosk {
  sim: Simulator;
  dir: string;
  config: ReturnType<typeof loadConfig> & { configPath: string };
  users: SimUser[];
  uidOf(index: number): string;
  cleanup(): Promise<void>;
}

/** A simulator with `count` users and a data directory with one enrolled badge per user. */
export async function benchKiosk(count: number, extraConfig = ''): Promise<BenchKiosk> {
  const sim = await startSimulator({ port: 0, timeZone: 'UTC', users: [] });
  const dir = mkdtempSync(join(tmpdir(), 'moco-bench-'));
  const configPath = join(dir, 'config.yaml');
  writeFileSync(
    configPath,
    [
      `moco: { baseUrl: "${sim.baseUrl}", timeoutMs: 2000, rateLimit: { requests: 10000, perSeconds: 1 } }`,
      'timezone: UTC',
      `dataDir: "${join(dir, 'data')}"`,
      'reader: { type: stdin }',
      'signals: { driver: none, selfTest: false }',
      'log: { level: info }',
      extraConfig,
    ].join('\n'),
  );
  const config = { ...loadConfig(configPath), configPath };
  const uidOf = (index: number) => `B${String(index).padStart(9, '0')}`;
  const users: SimUser[] = [];
  const stores = openStores({ config, env: {}, clock: systemClock });
  const enrol = stores.db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const user = { id: 10_000 + i, firstname: 'User', lastname: String(i), apiKey: `bench-key-${i}` };
      users.push(user);
      sim.addUser(user);
      stores.badges.add({
        uid: uidOf(i),
        label: null,
        userId: user.id,
        userName: `User ${i}`,
        apiKey: user.apiKey,
      });
    }
  });
  enrol();
  stores.close();
  return {
    sim,
    dir,
    config,
    users,
    uidOf,
    cleanup: async () => {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

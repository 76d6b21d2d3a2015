import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { type Daemon, startDaemon } from '../daemon.js';
import {
  DEMO_BADGES,
  DEMO_CLOCK_AHEAD_HOURS,
  type DemoAction,
  demoGuide,
  parseDemoLine,
} from '../demo/keys.js';
import { DemoNarrator } from '../demo/narrator.js';
import { CliError, EXIT } from '../exit.js';
import { KeyScrubber } from '../key-scrubber.js';
import { createLogger } from '../log.js';
import { logView } from '../log-view.js';
import { DEMO_USERS, type Simulator, startSimulator } from '../moco/sim/index.js';
import { openStores } from '../store/open.js';
import { systemClock } from '../time/clock.js';
import { isValidTimeZone, systemTimeZone } from '../time/local.js';

const HOUR_MS = 3_600_000;

export function demoCommand(): Command {
  return new Command('demo')
    .description('a complete kiosk on this machine: embedded MOCO simulator, console signals, no hardware')
    .option('--timezone <zone>', 'time zone of the kiosk and the simulator', systemTimeZone())
    .option('--verbose', 'every log line, each retry of a delivery too (debug level)')
    .action(async (options: { timezone: string; verbose?: boolean }) => {
      if (!isValidTimeZone(options.timezone)) {
        throw new CliError(`--timezone: unknown time zone "${options.timezone}"`, EXIT.usage);
      }
      // Ctrl+C ends the demo as `q` does: the kiosk stops and its temporary directory is removed.
      const interrupted = new AbortController();
      const interrupt = () => interrupted.abort();
      process.once('SIGINT', interrupt);
      process.once('SIGTERM', interrupt);
      try {
        await runDemo(
          { timeZone: options.timezone, verbose: options.verbose === true },
          process.stdin,
          process.stdout,
          interrupted.signal,
        );
      } finally {
        process.off('SIGINT', interrupt);
        process.off('SIGTERM', interrupt);
      }
    });
}

async function runDemo(
  { timeZone, verbose }: { timeZone: string; verbose: boolean },
  input: NodeJS.ReadableStream,
  out: NodeJS.WritableStream,
  interrupted: AbortSignal,
): Promise<void> {
  const sim = await startSimulator({ port: 0, timeZone });
  const dir = mkdtempSync(join(tmpdir(), 'moco-timeclock-demo-'));
  try {
    const configPath = join(dir, 'config.yaml');
    writeFileSync(configPath, demoConfig(sim.baseUrl, timeZone, join(dir, 'data')));
    const config = { ...loadConfig(configPath), configPath };
    enrolDemoBadges(config);
    const taps = new PassThrough();
    const scrubber = new KeyScrubber();
    const narrator = new DemoNarrator(out, {
      verbose,
      columns: () => (out as { columns?: number }).columns,
    });
    const daemon = await startDaemon({
      config,
      env: {},
      logger: createLogger(verbose ? 'debug' : 'info', logView(out, narrator.render), scrubber),
      scrubber,
      stdin: taps,
      signalsOut: out,
    });
    narrator.attach({
      connectivity: () => daemon.courier.status().connectivity,
      waiting: () => daemon.stores.journal.counts().pending,
    });
    out.write(demoGuide(sim.url));
    await readCommands(input, out, { sim, daemon, taps }, interrupted);
    narrator.detach();
    await daemon.stop();
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function demoConfig(baseUrl: string, timeZone: string, dataDir: string): string {
  return [
    // The simulator answers on this machine: a request it did not answer within 2 s cannot land
    // much later, so the demo waits 3 s, not MOCO's 30, before it looks whether one did.
    `moco: { baseUrl: "${baseUrl}", timeoutMs: 2000, settleMs: 3000 }`,
    `timezone: ${timeZone}`,
    `dataDir: "${dataDir}"`,
    'reader: { type: stdin }',
    'signals: { driver: console, selfTest: false }',
    'log: { level: info }',
    '',
  ].join('\n');
}

function enrolDemoBadges(config: Parameters<typeof openStores>[0]['config']): void {
  const stores = openStores({ config, env: {}, clock: systemClock });
  try {
    DEMO_BADGES.forEach((badge, index) => {
      const user = DEMO_USERS[index];
      if (user === undefined) return;
      stores.badges.add({
        uid: badge.uid,
        label: `${user.firstname}'s badge`,
        userId: user.id,
        userName: `${user.firstname} ${user.lastname}`,
        apiKey: user.apiKey,
      });
    });
  } finally {
    stores.close();
  }
}

interface DemoParts {
  sim: Simulator;
  daemon: Daemon;
  taps: PassThrough;
}

async function readCommands(
  input: NodeJS.ReadableStream,
  out: NodeJS.WritableStream,
  parts: DemoParts,
  interrupted: AbortSignal,
) {
  const lines = createInterface({ input, terminal: false });
  if (interrupted.aborted) lines.close();
  else interrupted.addEventListener('abort', () => lines.close(), { once: true });
  let offline = false;
  let ahead = false;
  for await (const line of lines) {
    const action: DemoAction = parseDemoLine(line);
    switch (action.kind) {
      case 'tap':
        parts.taps.write(`${action.uid}\n`);
        break;
      case 'toggle-offline':
        offline = !offline;
        await parts.sim.faults.setOffline(offline);
        out.write(
          offline ? '  MOCO simulator is OFFLINE: taps are queued\n' : '  MOCO simulator is ONLINE again\n',
        );
        // Do not make the visitor wait out the backoff the outage built up.
        if (!offline) parts.daemon.courier.probeNow();
        break;
      case 'toggle-clock':
        ahead = !ahead;
        parts.sim.setOffsetMs(ahead ? DEMO_CLOCK_AHEAD_HOURS * HOUR_MS : 0);
        out.write(
          ahead
            ? `  the simulator's clock is now ${DEMO_CLOCK_AHEAD_HOURS} h ahead of the kiosk's, as if the kiosk's\n` +
                "  were wrong: from MOCO's next answer on, taps are booked by MOCO's clock (l: back)\n"
            : "  the simulator's clock agrees with the kiosk's again\n",
        );
        break;
      case 'presences':
        out.write(presenceTable(parts.sim));
        break;
      case 'help':
        out.write(demoGuide(parts.sim.url));
        break;
      case 'quit':
        lines.close();
        return;
      case 'none':
        break;
    }
  }
}

function presenceTable(sim: Simulator): string {
  const presences = sim.presences();
  if (presences.length === 0) return '  MOCO has no presences yet\n';
  const rows = presences.map(
    (p) =>
      `    ${`${p.user.firstname} ${p.user.lastname}`.padEnd(14)} ${p.date}  ${p.from} - ${p.to ?? 'open'}`,
  );
  return `  presences in MOCO:\n${rows.join('\n')}\n`;
}

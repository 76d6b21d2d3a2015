import { Command } from 'commander';
import { createLogger, type Logger } from '../log.js';
import { commandLine, logView } from '../log-view.js';
import type { ReaderConfig, UidConfig } from '../readers/config.js';
import { createReader, type ReaderDeps } from '../readers/factory.js';
import { describeOpenFailure, type OpenFailure } from '../readers/open-failure.js';
import type { CardReader } from '../readers/reader.js';
import { normalizeUid, uidOrigin } from '../readers/uid.js';
import { CliError, loadConfigForCommand } from './common.js';

export interface ReaderTestOptions {
  reader: ReaderConfig;
  uid: UidConfig;
  logger: Logger;
  out: { write(text: string): unknown };
  /** Ends the test (Ctrl-C). */
  signal: AbortSignal;
  readerDeps?: Omit<ReaderDeps, 'logger' | 'onOpenFailure'>;
}

export function describeReader(config: ReaderConfig): string {
  switch (config.type) {
    case 'stdin':
      return 'standard input';
    case 'serial':
      return `serial ${config.path} (${config.protocol}, ${config.baudRate} baud)`;
    case 'hid':
      return config.path !== null
        ? `USB keyboard reader ${config.path} (${config.hidDriver})`
        : `USB keyboard reader ${config.vendorId}:${config.productId} (${config.hidDriver})`;
  }
}

/** The printed line for one UID: the normalised value, and the raw one when they differ. */
export function formatUidLine(raw: string, normalized: string | null, format: UidConfig['format']): string {
  if (normalized === null) return `${raw}: not a UID in uid.format ${format}, a tap would be ignored`;
  return normalized === raw ? `UID ${normalized}` : `UID ${normalized} (read ${raw})`;
}

/**
 * Opens the configured reader alone and prints every UID until the signal aborts.
 * Rejects with a CliError when the device is busy or not permitted, or the reader cannot load.
 */
export async function runReaderTest(options: ReaderTestOptions): Promise<void> {
  const { reader: config, uid, out, signal } = options;
  const origin = uidOrigin(config);
  let waitingShown = false;
  let fail: (error: CliError) => void = () => {};
  let end: () => void = () => {};
  const finished = new Promise<void>((resolve, reject) => {
    end = resolve;
    fail = reject;
  });
  // A failure can come while start() is still running, before anything awaits `finished`.
  finished.catch(() => {});

  const onOpenFailure = (failure: OpenFailure) => {
    if (failure.kind === 'busy' || failure.kind === 'permission') {
      fail(new CliError(`${describeOpenFailure(failure)} (${failure.message})`));
    } else if (!waitingShown) {
      waitingShown = true;
      out.write(`${describeOpenFailure(failure)} ...\n`);
    }
  };
  const onUid = (raw: string) => {
    out.write(`${formatUidLine(raw, normalizeUid(raw, uid, origin), uid.format)}\n`);
  };
  const onState = (state: string) => {
    out.write(`reader ${state}\n`);
    // Nothing more can come from standard input once it has ended.
    if (config.type === 'stdin' && state === 'disconnected') end();
  };
  if (signal.aborted) end();
  signal.addEventListener('abort', () => end(), { once: true });

  let reader: CardReader;
  try {
    reader = await createReader(config, { ...options.readerDeps, logger: options.logger, onOpenFailure });
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error));
  }
  try {
    out.write(`reading from ${describeReader(config)}, uid.format ${uid.format}; Ctrl-C to stop\n`);
    await reader.start(onUid, onState).catch((error: unknown) => {
      throw new CliError(error instanceof Error ? error.message : String(error));
    });
    await finished;
  } finally {
    await reader.stop();
  }
}

/** What the reader logs when it cannot open the device: the test prints its own line for that. */
const SAID_BY_THE_TEST = new Set(
  (['missing', 'busy', 'permission', 'other'] as const).map((kind) =>
    describeOpenFailure({ kind, message: '' }),
  ),
);

/** `reader test`: checks the reader and the uid settings without the daemon. */
export function readerTestCommand(): Command {
  const reader = new Command('reader').description('card reader');
  reader
    .command('test')
    .description('open the configured reader alone and print each UID as it is read, until Ctrl-C')
    .option('-c, --config <file>', 'configuration file')
    .action(async (opts: { config?: string }) => {
      const config = loadConfigForCommand(opts.config);
      // Warnings go to stderr so the UID lines on stdout stay readable; an open failure is said
      // once, by the test itself.
      const logger = createLogger(
        config.log.level,
        logView(process.stderr, (entry) =>
          SAID_BY_THE_TEST.has(String(entry.msg)) ? null : commandLine(entry),
        ),
      );
      const controller = new AbortController();
      const abort = () => controller.abort();
      process.once('SIGINT', abort);
      process.once('SIGTERM', abort);
      try {
        await runReaderTest({
          reader: config.reader,
          uid: config.uid,
          logger,
          out: process.stdout,
          signal: controller.signal,
        });
      } finally {
        process.removeListener('SIGINT', abort);
        process.removeListener('SIGTERM', abort);
      }
    });
  return reader;
}

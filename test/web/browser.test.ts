import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS, type Simulator, startSimulator } from '../../src/moco/sim/index.js';
import { addDays } from '../../src/web/today.js';
import {
  CLI,
  cli,
  createKiosk,
  createPresence,
  type DaemonProcess,
  ensureBuilt,
  type Kiosk,
  localNow,
  runDaemon,
  TIME_ZONE,
  writeConfig,
} from '../integration/harness.js';
import { JsonLines } from '../integration/lines.js';

/**
 * The admin's way through the page in a real browser: Debian's Chromium, driven by playwright-core,
 * against the real `web` and `run` processes and the simulator. Screenshots go to $WEB_SCREENSHOTS
 * (docs/screenshots when making the documentation's pictures) or a temporary directory.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAS_BROWSER = existsSync(CHROMIUM);
const PASSWORD = 'office admin password';
const [ANNA, BEN] = DEMO_USERS as [(typeof DEMO_USERS)[number], (typeof DEMO_USERS)[number]];
const ANNA_UID = '04A1B2C3D4';
const BEN_UID = '0A00B1C202';
const WAIT_MS = 15_000;

let sim: Simulator;
let kiosk: Kiosk;
let daemon: DaemonProcess;
let web: { child: ChildProcess; log: JsonLines; url: string };
let context: BrowserContext;
let page: Page;
let shots: string;
let profile: string;

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

async function startWebProcess(configPath: string): Promise<typeof web> {
  const child = spawn(process.execPath, [CLI, 'web', '--config', configPath], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const log = new JsonLines(child.stdout as NodeJS.ReadableStream);
  const ready = await log
    .next((line) => line.msg === 'web ready', 'web ready line')
    .catch((error: Error) => {
      throw new Error(`${error.message}\n${stderr}`);
    });
  return { child, log, url: ready.url as string };
}

async function shot(name: string, options: { phone?: boolean } = {}): Promise<void> {
  if (options.phone) await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  if (options.phone) await page.setViewportSize({ width: 1024, height: 768 });
}

const see = (text: string) => page.getByText(text, { exact: false }).first().waitFor({ timeout: WAIT_MS });

describe.skipIf(!HAS_BROWSER)(
  HAS_BROWSER
    ? 'the web page in a real browser'
    : `the web page in a real browser (SKIPPED: no Chromium at ${CHROMIUM}; apt-get install chromium, or set CHROMIUM_PATH)`,
  { timeout: 120_000 },
  () => {
    beforeAll(async () => {
      ensureBuilt();
      sim = await startSimulator({ port: 0, timeZone: TIME_ZONE });
      kiosk = createKiosk({ baseUrl: sim.baseUrl, repeatGuardSeconds: 0 });
      const port = await freePort();
      writeConfig(
        kiosk.configPath,
        [
          `moco: { baseUrl: "${sim.baseUrl}", timeoutMs: 1000 }`,
          `timezone: ${TIME_ZONE}`,
          `dataDir: "${kiosk.dataDir}"`,
          'reader: { type: stdin }',
          'scan: { debounceMs: 200, repeatGuardSeconds: 0, feedbackTimeoutMs: 1500 }',
          'signals: { driver: none }',
          `web: { enabled: true, listen: "127.0.0.1:${port}" }`,
        ].join('\n'),
      );
      expect((await cli(['web', 'passwd', '--config', kiosk.configPath], `${PASSWORD}\n`)).code).toBe(0);
      daemon = await runDaemon(kiosk);
      web = await startWebProcess(kiosk.configPath);
      shots = resolve(process.env.WEB_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'moco-web-shots-')));
      mkdirSync(shots, { recursive: true });
      profile = mkdtempSync(join(tmpdir(), 'moco-web-chromium-'));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 1024, height: 768 },
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      page = context.pages()[0] ?? (await context.newPage());
    }, 120_000);

    afterAll(async () => {
      await context?.close();
      web?.child.kill('SIGTERM');
      await daemon?.stop();
      await sim?.close();
      kiosk?.remove();
      if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
    });

    it('logs in, enrols a badge tapped at the reader, shows its tap, retries a failed tap, logs out', async () => {
      await page.goto(`${web.url}/status`);
      await page.getByLabel('Admin password').waitFor();
      await shot('login');
      await page.getByLabel('Admin password').fill('wrong password');
      await page.getByRole('button', { name: 'Log in' }).click();
      await see('Wrong password.');
      await page.getByLabel('Admin password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { name: 'Status' }).waitFor();

      // Enrol Anna by tapping her new badge at the kiosk's reader.
      await page.getByRole('link', { name: 'Badges' }).click();
      await page.getByRole('link', { name: 'Enrol a badge by tapping it' }).click();
      await page.getByRole('button', { name: 'Tap the new badge now' }).click();
      await see('Tap the new badge on the reader now');
      await shot('enrol-waiting');
      daemon.tap(ANNA_UID);
      expect(await daemon.scan(ANNA_UID)).toMatchObject({ outcome: 'unknown_badge' });
      // No script needed: the waiting page reloads itself and moves on to the form.
      await page.getByRole('heading', { name: 'Whose badge is it?' }).waitFor({ timeout: WAIT_MS });
      await see(`Badge ${ANNA_UID}`);
      await page.getByLabel("Label, e.g. the person's name").fill('Anna');
      await page.getByLabel("The person's MOCO API key").fill(ANNA.apiKey);
      await shot('enrol-key');
      await page.getByRole('button', { name: 'Enrol' }).click();
      await see(`Enrolled badge ${ANNA_UID} for Anna Schmidt (MOCO user ${ANNA.id}), label "Anna".`);
      expect(await page.content()).not.toContain(ANNA.apiKey);

      // Her next tap clocks her in, and the status page shows it without being reloaded.
      await page.getByRole('link', { name: 'Status' }).click();
      await page.getByRole('heading', { name: 'Last taps' }).waitFor();
      daemon.tap(ANNA_UID);
      expect(await daemon.scan(ANNA_UID)).toMatchObject({ outcome: 'clocked_in' });
      await page
        .locator(`li[data-uid="${ANNA_UID}"]`, { hasText: 'clocked in' })
        .waitFor({ timeout: WAIT_MS });

      // Ben's badge gets a mistyped key without verification: his tap fails and waits for an admin.
      await page.getByRole('link', { name: 'Badges' }).click();
      await page.getByRole('link', { name: 'Enrol a badge by tapping it' }).click();
      await page.getByRole('button', { name: 'Tap the new badge now' }).click();
      daemon.tap(BEN_UID);
      expect(await daemon.scan(BEN_UID)).toMatchObject({ outcome: 'unknown_badge' });
      await page.getByRole('heading', { name: 'Whose badge is it?' }).waitFor({ timeout: WAIT_MS });
      await page.getByLabel("Label, e.g. the person's name").fill('Ben');
      await page.getByLabel("The person's MOCO API key").fill('mistyped-key-of-ben');
      await page.getByLabel('Store it without asking MOCO').check();
      await page.getByRole('button', { name: 'Enrol' }).click();
      await see(`Enrolled badge ${BEN_UID} (key not verified`);
      await shot('badges');
      daemon.tap(BEN_UID);
      expect(await daemon.scan(BEN_UID)).toMatchObject({ outcome: 'rejected' });
      await page.getByRole('link', { name: 'Status' }).click();
      await see('MOCO rejects the key of this badge (401: revoked or mistyped)');
      await shot('status-failed');

      // The fix: Ben's own key (verified this time), then retry the tap.
      await page.getByRole('link', { name: 'Badges' }).click();
      await page.locator(`li[data-badge="${BEN_UID}"]`).getByRole('link', { name: 'New key…' }).click();
      await page.getByLabel("The person's MOCO API key").fill(BEN.apiKey);
      await page.getByRole('button', { name: 'Store the new key' }).click();
      await see('It has 1 failed tap: retry them on the Status page.');
      await page.getByRole('link', { name: 'Status' }).click();
      await page.locator('li[data-tap]').getByRole('button', { name: 'Retry' }).click();
      await see('is back in the queue');
      const delivered = await daemon.log.next((line) => line.msg === 'delivered', 'delivered line', WAIT_MS);
      expect(delivered).toMatchObject({ uid: BEN_UID, outcome: 'clocked_in' });
      expect(sim.presences(BEN.id)).toEqual([expect.objectContaining({ to: null })]);
      await page
        .locator(`li[data-uid="${BEN_UID}"]`, { hasText: 'clocked in' })
        .waitFor({ timeout: WAIT_MS });
      await page
        .locator('section[aria-label="Failed taps"]')
        .waitFor({ state: 'detached', timeout: WAIT_MS });
      await shot('status');
      await shot('status-phone', { phone: true });

      // Anna forgot to clock out three days ago: the Today page flags it, and closes it at 17:00.
      const forgotten = addDays(localNow().date, -3);
      await createPresence(sim, ANNA.apiKey, { date: forgotten, from: '08:00', to: null });
      await page.getByRole('link', { name: 'Today' }).click();
      await see(`Anna Schmidt: ${forgotten}, from 08:00, never closed`);
      await page.locator(`li[data-user="user:${BEN.id}"]`, { hasText: '–now' }).waitFor({ timeout: WAIT_MS });
      await shot('today');
      await shot('today-phone', { phone: true });
      const open = page.locator('section[aria-label="Open from earlier days"] li');
      await open.locator('input[type="time"]').fill('17:00');
      await open.getByRole('button', { name: 'Close at this time' }).click();
      await see(`Closed Anna Schmidt's presence of ${forgotten}: 08:00–17:00.`);
      expect(sim.presences(ANNA.id)).toContainEqual(
        expect.objectContaining({ date: forgotten, from: '08:00', to: '17:00' }),
      );

      await page.getByRole('button', { name: 'Log out' }).click();
      await see('You are logged out.');
      await page.goto(`${web.url}/badges`);
      await page.getByLabel('Admin password').waitFor();
      expect(web.log.all('web login')).toHaveLength(1);
      expect(web.log.all('web login refused: wrong password')).toHaveLength(1);
    });
  },
);

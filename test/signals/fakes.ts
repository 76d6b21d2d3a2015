import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { OutputName, Outputs } from '../../src/signals/types.js';

/** Records every level written, with the (fake) time of the write. */
export class FakeOutputs implements Outputs {
  readonly levels = new Map<OutputName, boolean>();
  readonly writes: { at: number; name: OutputName; on: boolean }[] = [];
  closed = false;

  set(name: OutputName, on: boolean): void {
    this.levels.set(name, on);
    this.writes.push({ at: Date.now(), name, on });
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** The outputs at a high level, sorted. */
  high(): OutputName[] {
    return [...this.levels]
      .filter(([, on]) => on)
      .map(([name]) => name)
      .sort();
  }
}

export function captureStream(): { out: Writable; text: () => string } {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { out, text: () => chunks.join('') };
}

const roots: string[] = [];

export async function emptyRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'sysfs-'));
  roots.push(root);
  return root;
}

/** For afterAll: removes every tree written. */
export async function removeSysfsTrees(): Promise<void> {
  await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
}

export interface FakeChip {
  label: string;
  base: number;
  ngpio: number;
}

/** Writes a /sys-like tree: class/gpio/gpiochipN/{label,base,ngpio}, and gpioN for exported pins. */
export async function writeSysfs(
  chips: readonly FakeChip[],
  exported: readonly number[] = [],
): Promise<string> {
  const root = await emptyRoot();
  const gpio = join(root, 'class', 'gpio');
  await mkdir(gpio, { recursive: true });
  for (const chip of chips) {
    const dir = join(gpio, `gpiochip${chip.base}`);
    await mkdir(dir);
    await writeFile(join(dir, 'label'), `${chip.label}\n`);
    await writeFile(join(dir, 'base'), `${chip.base}\n`);
    await writeFile(join(dir, 'ngpio'), `${chip.ngpio}\n`);
  }
  for (const n of exported) await mkdir(join(gpio, `gpio${n}`));
  return root;
}

export const PI3: FakeChip[] = [{ label: 'pinctrl-bcm2835', base: 0, ngpio: 54 }];
export const PI4: FakeChip[] = [
  { label: 'raspberrypi-exp-gpio', base: 504, ngpio: 8 },
  { label: 'pinctrl-bcm2711', base: 512, ngpio: 58 },
];
export const PI5: FakeChip[] = [
  { label: 'gpio-brcmstb@107d508500', base: 512, ngpio: 32 },
  { label: 'gpio-brcmstb@107d508520', base: 544, ngpio: 4 },
  { label: 'gpio-brcmstb@107d517c00', base: 548, ngpio: 17 },
  { label: 'gpio-brcmstb@107d517c20', base: 565, ngpio: 6 },
  { label: 'pinctrl-rp1', base: 571, ngpio: 54 },
];

/** A stand-in for onoff's Gpio that records what the driver does with each sysfs number. */
export function fakeOnoff(options: { failOn?: Map<number, string> } = {}) {
  const created: { gpio: number; direction: string }[] = [];
  const writes: { gpio: number; value: 0 | 1 }[] = [];
  const unexported: number[] = [];
  class Gpio {
    readonly gpio: number;
    constructor(gpio: number, direction: 'high' | 'low') {
      const code = options.failOn?.get(gpio);
      if (code !== undefined) {
        throw Object.assign(new Error(`${code}: cannot write '/sys/class/gpio/export'`), { code });
      }
      this.gpio = gpio;
      created.push({ gpio, direction });
    }
    writeSync(value: 0 | 1): void {
      writes.push({ gpio: this.gpio, value });
    }
    unexport(): void {
      unexported.push(this.gpio);
    }
  }
  const lastValue = (gpio: number) => writes.filter((w) => w.gpio === gpio).at(-1)?.value;
  return { module: { Gpio }, created, writes, unexported, lastValue };
}

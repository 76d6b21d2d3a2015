import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const UNIT = 'systemd/moco-timeclock.service';
const WEB_UNIT = 'systemd/moco-timeclock-web.service';
const UDEV_TEMPLATE = 'scripts/udev/70-moco-timeclock.rules.in';

/** A copy of the packaging files, so a test can break one and run the check on it. */
function packagingCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'moco-packaging-'));
  cpSync(join(ROOT, 'scripts'), join(dir, 'scripts'), { recursive: true });
  cpSync(join(ROOT, 'systemd'), join(dir, 'systemd'), { recursive: true });
  return dir;
}

function edit(dir: string, file: string, change: (text: string) => string): void {
  const path = join(dir, file);
  writeFileSync(path, change(readFileSync(path, 'utf8')));
}

function check(dir: string) {
  const result = spawnSync('bash', [join(dir, 'scripts/check-packaging.sh')], { encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr };
}

// The first run may install shellcheck with apt-get (as CI does on a fresh machine).
describe('scripts/check-packaging.sh', { timeout: 180_000 }, () => {
  it('passes on the repository and reports the exposure level', () => {
    const { status, output } = check(ROOT);

    expect(output).toMatch(/Overall exposure level for moco-timeclock\.service: \d+\.\d/);
    expect(output).toMatch(/Overall exposure level for moco-timeclock-web\.service: \d+\.\d/);
    expect(status).toBe(0);
  });

  it('fails on a unit with a misspelt key, which systemd would silently ignore', () => {
    const dir = packagingCopy();
    edit(dir, UNIT, (text) => text.replace('ProtectSystem=strict', 'ProtectSytem=strict'));

    const { status, output } = check(dir);

    expect(status).toBe(1);
    expect(output).toContain("Unknown key 'ProtectSytem'");
  });

  it('fails when ExecStart no longer starts the installed wrapper', () => {
    const dir = packagingCopy();
    edit(dir, UNIT, (text) =>
      text.replace('ExecStart=/usr/local/bin/moco-timeclock', 'ExecStart=/usr/bin/moco'),
    );

    const { status, output } = check(dir);

    expect(status).toBe(1);
    expect(output).toContain('ExecStart= no longer starts /usr/local/bin/moco-timeclock');
  });

  it("checks the web page's unit the same way: a misspelt key, or one that does not start `web`", () => {
    const misspelt = packagingCopy();
    edit(misspelt, WEB_UNIT, (text) => text.replace('PrivateDevices=yes', 'PrivateDevice=yes'));
    const wrongCommand = packagingCopy();
    edit(wrongCommand, WEB_UNIT, (text) =>
      text.replace('moco-timeclock web --config', 'moco-timeclock run --config'),
    );

    expect(check(misspelt)).toMatchObject({
      status: 1,
      output: expect.stringContaining("Unknown key 'PrivateDevice'"),
    });
    expect(check(wrongCommand)).toMatchObject({
      status: 1,
      output: expect.stringContaining(
        'moco-timeclock-web.service: ExecStart= no longer starts /usr/local/bin/moco-timeclock web',
      ),
    });
  });

  it('fails on a udev rule that lets every user at the reader', () => {
    const dir = packagingCopy();
    edit(dir, UDEV_TEMPLATE, (text) => text.replace('MODE="0660"', 'MODE="0666"'));

    const { status, output } = check(dir);

    expect(status).toBe(1);
    expect(output).toContain('grants access to others');
  });

  it('fails on a script shellcheck objects to', () => {
    const dir = packagingCopy();
    edit(dir, 'scripts/uninstall.sh', (text) => text.replace('say "removing $unit"', 'say removing $1'));

    const { status, output } = check(dir);

    expect(status).toBe(1);
    expect(output).toContain('SC2086');
  });
});

describe('the Staff key in the units', () => {
  it('is handed over as a credential with a default, so a kiosk without one still starts', () => {
    for (const unit of [UNIT, WEB_UNIT]) {
      const text = readFileSync(join(ROOT, unit), 'utf8');
      expect(text, unit).toMatch(/^LoadCredential=staff-key:\/etc\/moco-timeclock\/staff\.key$/m);
      expect(text, unit).toMatch(/^SetCredential=staff-key:\\n$/m);
    }
    const wrapper = readFileSync(join(ROOT, 'scripts/cli-wrapper.sh'), 'utf8');
    expect(wrapper).toContain('"$STAFF_KEY" "$credentials/staff-key"');
  });
});

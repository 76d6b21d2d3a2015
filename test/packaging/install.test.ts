import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INSTALL = join(ROOT, 'scripts/install.sh');
const UNINSTALL = join(ROOT, 'scripts/uninstall.sh');
const INSTALLED_PATHS = [
  '/etc/systemd/system/moco-timeclock.service',
  '/etc/udev/rules.d/70-moco-timeclock.rules',
  '/usr/local/bin/moco-timeclock',
  '/opt/moco-timeclock',
];
// A dry run reads the reader ids from an installed configuration when there is one, as a real
// run would; the tests that feed their own configuration need a machine without one.
const HAS_INSTALLED_CONFIG = existsSync('/etc/moco-timeclock/config.yaml');

function run(script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const { DRY_RUN: _ignored, ...base } = process.env;
  const result = spawnSync('bash', [script, ...args], { encoding: 'utf8', env: { ...base, ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function tempFile(name: string, content: string, mode = 0o644): string {
  const path = join(mkdtempSync(join(tmpdir(), 'moco-install-')), name);
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

/** The lines of the file a dry run would write, without the "    | " prefix. */
function writtenFile(stdout: string, path: string): string[] {
  const start = stdout.indexOf(`+ write ${path} `);
  expect(start).toBeGreaterThanOrEqual(0);
  const lines = stdout.slice(start).split('\n').slice(1);
  const end = lines.findIndex((line) => !line.startsWith('    |'));
  return lines.slice(0, end).map((line) => line.replace(/^ {4}\| ?/, ''));
}

describe('scripts/install.sh --dry-run', () => {
  let before: boolean[] = [];
  let withIds: ReturnType<typeof run>;
  beforeAll(() => {
    before = INSTALLED_PATHS.map((path) => existsSync(path));
    withIds = run(INSTALL, ['--dry-run', '--vendor', '0x8FF', '--product', '9']);
  });

  it('plans the whole installation without changing the machine', () => {
    const { status, stdout } = withIds;

    expect(status).toBe(0);
    expect(INSTALLED_PATHS.map((path) => existsSync(path))).toEqual(before);
    const order = [
      '+ (cd /opt/moco-timeclock.new && npm ci --include=dev',
      '+ (cd /opt/moco-timeclock.new && npm prune --omit=dev',
      '+ mv /opt/moco-timeclock.new /opt/moco-timeclock',
      '+ write /usr/local/bin/moco-timeclock (0755 root:root)',
      '+ /usr/local/bin/moco-timeclock init --config /etc/moco-timeclock/config.yaml',
      '+ write /etc/udev/rules.d/70-moco-timeclock.rules (0644 root:root)',
      '+ udevadm control --reload',
      '+ install -m 0644 -o root -g root',
      '+ systemctl daemon-reload',
      '+ systemctl enable moco-timeclock',
    ].map((step) => stdout.indexOf(step));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(stdout).toMatch(/\+ (useradd --system .*|usermod )--groups gpio\\,dialout\\,plugdev /);
    expect(stdout).toContain('head -c 32 /dev/urandom > /etc/moco-timeclock/master.key (0600 root:root)');
  });

  it('renders the udev rule for the normalised ids, for group plugdev and never for others', () => {
    const rules = writtenFile(withIds.stdout, '/etc/udev/rules.d/70-moco-timeclock.rules').filter(
      (line) => line !== '' && !line.startsWith('#'),
    );

    expect(rules).toEqual([
      'SUBSYSTEM=="hidraw", ATTRS{idVendor}=="08ff", ATTRS{idProduct}=="0009", GROUP="plugdev", MODE="0660"',
      'SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", ATTR{idVendor}=="08ff", ATTR{idProduct}=="0009", GROUP="plugdev", MODE="0660"',
    ]);
  });

  it('writes a wrapper that runs the built CLI with this Node.js', () => {
    const wrapper = writtenFile(withIds.stdout, '/usr/local/bin/moco-timeclock');

    expect(wrapper[0]).toBe('#!/bin/sh');
    expect(wrapper.find((line) => line.startsWith('NODE='))).toMatch(/^NODE='\/\S+\/node'$/);
    expect(wrapper).toContain('CLI=/opt/moco-timeclock/dist/cli.js');
    expect(wrapper.join('\n')).not.toContain('@NODE@');
  });

  it('does not start the service with the unedited example configuration, nor with --no-start', () => {
    const example = run(INSTALL, ['--dry-run']);
    const noStart = run(INSTALL, ['--dry-run', '--no-start']);

    expect(example.status).toBe(0);
    expect(noStart.status).toBe(0);
    for (const { stdout } of [example, noStart]) {
      expect(stdout).toContain('+ systemctl enable moco-timeclock');
      expect(stdout).not.toContain('+ systemctl restart');
    }
    expect(noStart.stdout).toContain('--no-start: not starting moco-timeclock');
  });

  it("installs the web page's unit without enabling it: the page is off until the admin turns it on", () => {
    const { status, stdout } = withIds;

    expect(status).toBe(0);
    expect(stdout).toMatch(
      /\+ install -m 0644 -o root -g root \S+\/systemd\/moco-timeclock-web\.service \/etc\/systemd\/system\/moco-timeclock-web\.service/,
    );
    expect(stdout).not.toContain('systemctl enable moco-timeclock-web');
    expect(stdout).toContain('moco-timeclock-web is not enabled (the web page is off; see the next steps)');
    expect(stdout).toContain('sudo systemctl enable --now moco-timeclock-web');
  });

  it.skipIf(HAS_INSTALLED_CONFIG)(
    'installs a given configuration, starts the service and reads the HID ids from it',
    () => {
      const config = tempFile(
        'config.yaml',
        'moco:\n  domain: acme\nreader:\n  type: hid\n  vendorId: "0C2E"\n  productId: "0x0b61"\n',
      );
      const { status, stdout } = run(INSTALL, ['--dry-run', '--config', config]);

      expect(status).toBe(0);
      expect(stdout).toContain(
        `+ install -m 0640 -o root -g moco-timeclock ${config} /etc/moco-timeclock/config.yaml`,
      );
      expect(stdout).toContain('HID reader 0c2e:0b61 (from reader.vendorId/productId)');
      expect(writtenFile(stdout, '/etc/udev/rules.d/70-moco-timeclock.rules').join('\n')).toContain(
        'ATTRS{idVendor}=="0c2e", ATTRS{idProduct}=="0b61"',
      );
      expect(stdout).toContain('+ systemctl restart moco-timeclock');
    },
  );

  it.skipIf(HAS_INSTALLED_CONFIG)(
    'checks the configuration before anything and refuses one that does not validate, with every problem',
    () => {
      const config = tempFile(
        'config.yaml',
        'moco: { domain: acme, timeoutMS: 5 }\nreader: { type: serial }\n',
      );
      const { status, stdout, stderr } = run(INSTALL, ['--dry-run', '--config', config]);

      expect(status).toBe(78);
      expect(stdout).toContain(`==> checking the configuration ${config}`);
      // Nothing planned: the check comes before the first step.
      expect(stdout).not.toMatch(/^\+ /m);
      expect(stdout).not.toContain('A real run would');
      expect(stderr).toContain(
        [
          `moco-timeclock: invalid configuration in ${config}`,
          '  moco.timeoutMS: unknown key (got 5); did you mean moco.timeoutMs?',
          '  reader.path: a serial reader needs a device path (got nothing)',
          `error: ${config} does not validate: nothing was changed; correct it and run me again`,
        ].join('\n'),
      );
    },
  );

  it.skipIf(HAS_INSTALLED_CONFIG)(
    'ends a dry run with what a real run would do, not with "installed", and checks before the restart',
    () => {
      const config = tempFile('config.yaml', 'moco:\n  domain: acme\nreader:\n  type: stdin\n');
      const { status, stdout } = run(INSTALL, ['--dry-run', '--config', config]);

      expect(status).toBe(0);
      expect(stdout).not.toContain('is installed');
      const summary = stdout.slice(stdout.indexOf('dry run: nothing was changed. A real run would:'));
      expect(summary.split('\n').slice(1)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /^ {2}- build moco-timeclock \d+\.\d+\.\d+ from \S+ in \/opt\/moco-timeclock\.new and put it in place of \/opt\/moco-timeclock$/,
          ),
          `  - install the configuration /etc/moco-timeclock/config.yaml from ${config} (checked: valid)`,
          '  - install no udev rule (no HID reader ids configured)',
          '  - check /etc/moco-timeclock/config.yaml with the installed build once more, then restart moco-timeclock',
        ]),
      );
      const check = stdout.indexOf(
        '+ /usr/local/bin/moco-timeclock config check --config /etc/moco-timeclock/config.yaml',
      );
      expect(check).toBeGreaterThan(0);
      expect(check).toBeLessThan(stdout.indexOf('+ systemctl restart moco-timeclock'));
    },
  );

  it.skipIf(HAS_INSTALLED_CONFIG)('installs no udev rule when no HID reader ids are configured', () => {
    const { status, stdout } = run(INSTALL, ['--dry-run']);

    expect(status).toBe(0);
    expect(stdout).toContain('no reader.vendorId/productId configured');
    expect(stdout).not.toContain('70-moco-timeclock.rules (');
  });

  it.skipIf(HAS_INSTALLED_CONFIG)('stops on reader ids that YAML reads as numbers, before any step', () => {
    const config = tempFile(
      'config.yaml',
      'moco: { domain: acme }\nreader:\n  type: hid\n  vendorId: 0x08ff\n  productId: 1234\n',
    );
    const { status, stdout, stderr } = run(INSTALL, ['--dry-run', '--config', config]);

    expect(status).toBe(78);
    expect(stdout).not.toMatch(/^\+ /m);
    expect(stderr).toMatch(/^ {2}reader\.vendorId: .* \(got 2303\)$/m);
  });

  it.each([
    [['--vendor', 'zz', '--product', '1'], 'zz is not a USB id'],
    [['--vendor', '12345', '--product', '1'], '12345 is not a USB id'],
    [['--vendor', '08ff'], '--vendor and --product go together'],
    [['--product'], '--product needs a value'],
    [['--config', '/nonexistent/config.yaml'], 'cannot read the configuration'],
    [['--frobnicate'], 'unknown option --frobnicate'],
  ])('rejects %j as a usage error', (args, message) => {
    const { status, stderr } = run(INSTALL, ['--dry-run', ...args]);

    expect(status).toBe(2);
    expect(stderr).toContain(message);
  });

  it('refuses a Node.js older than 20', () => {
    const bin = join(mkdtempSync(join(tmpdir(), 'moco-node-')), 'node');
    writeFileSync(bin, '#!/bin/sh\necho 18.19.0\n');
    chmodSync(bin, 0o755);
    const { status, stderr } = run(INSTALL, ['--dry-run'], {
      PATH: `${join(bin, '..')}:${process.env.PATH}`,
    });

    expect(status).toBe(1);
    expect(stderr).toContain('Node.js 18.19.0 is too old');
  });

  it('refuses a system that is not Debian-based', () => {
    const osRelease = tempFile('os-release', 'ID=fedora\nID_LIKE="rhel centos"\n');
    const { status, stderr } = run(INSTALL, ['--dry-run'], { OS_RELEASE_FILE: osRelease });

    expect(status).toBe(1);
    expect(stderr).toContain("unsupported system 'fedora'");
  });

  it('accepts Raspberry Pi OS 32-bit (ID=raspbian)', () => {
    const osRelease = tempFile('os-release', 'ID=raspbian\nID_LIKE=debian\n');
    const { status } = run(INSTALL, ['--dry-run', '--no-start'], { OS_RELEASE_FILE: osRelease });

    expect(status).toBe(0);
  });
});

describe('scripts/uninstall.sh --dry-run', () => {
  it('removes the service, udev rule, app and wrapper but keeps data and configuration', () => {
    const { status, stdout } = run(UNINSTALL, ['--dry-run']);

    expect(status).toBe(0);
    expect(stdout).toContain('+ rm -f /etc/systemd/system/moco-timeclock.service');
    expect(stdout).toContain('+ rm -f /etc/systemd/system/moco-timeclock-web.service');
    expect(stdout).toContain('+ rm -f /etc/udev/rules.d/70-moco-timeclock.rules');
    expect(stdout).toContain('+ rm -rf /opt/moco-timeclock ');
    expect(stdout).toContain('+ rm -f /usr/local/bin/moco-timeclock');
    expect(stdout).not.toMatch(/\+ rm .*\/var\/lib\/moco-timeclock/);
    expect(stdout).not.toMatch(/\+ rm .*\/etc\/moco-timeclock( |$)/m);
    expect(stdout).toContain('kept the data /var/lib/moco-timeclock');
  });

  it('with --purge also deletes data and configuration', () => {
    const { status, stdout } = run(UNINSTALL, ['--dry-run', '--purge']);

    expect(status).toBe(0);
    expect(stdout).toContain('+ rm -rf /var/lib/moco-timeclock /etc/moco-timeclock');
  });

  it('rejects unknown options', () => {
    expect(run(UNINSTALL, ['--force']).status).toBe(2);
  });
});

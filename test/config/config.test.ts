import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  CONFIG_ENV,
  ConfigError,
  configSchema,
  DEFAULT_CONFIG_PATH,
  EXAMPLE_CONFIG_PATH,
  indentProblems,
  loadConfig,
  parseConfig,
  resolveConfigPath,
} from '../../src/config/index.js';

import { TEST_CERT_FILE } from '../moco/counting-server.js';

const EXAMPLE = new URL('../../config/config.example.yaml', import.meta.url);

function problemsOf(yaml: string): string[] {
  try {
    parseConfig(yaml);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('config was accepted');
}

describe('config/config.example.yaml', () => {
  it('validates', () => {
    const config = loadConfig(EXAMPLE.pathname);
    expect(config.moco.domain).toBe('acme');
    expect(config.timezone).toBe('Europe/Berlin');
  });

  it('documents every key the schema knows, with the default value', () => {
    const example = parse(readFileSync(EXAMPLE, 'utf8')) as Record<string, unknown>;
    const defaults = configSchema.parse({ moco: { domain: 'acme' }, timezone: 'Europe/Berlin' });
    // Keys whose example value deliberately differs from the default, each said in a comment.
    const exampleOnly = new Set(['moco.domain']);
    for (const [path, value] of leaves(defaults)) {
      expect(valueAt(example, path), `config.example.yaml: ${path}`).not.toBeUndefined();
      if (!exampleOnly.has(path)) expect(valueAt(example, path), path).toEqual(value);
    }
  });
});

describe('parseConfig', () => {
  it('refuses a settle time shorter than the request timeout', () => {
    expect(() =>
      parseConfig('moco: { domain: acme, timeoutMs: 8000, settleMs: 5000 }\ntimezone: UTC\n'),
    ).toThrow(/moco\.settleMs: must be at least moco\.timeoutMs \(8000\)/);
  });

  it('fills every default from a minimal file', () => {
    const config = parseConfig('moco:\n  domain: acme\ntimezone: UTC\n');
    expect(config.scan).toEqual({
      debounceMs: 1500,
      repeatGuardSeconds: 60,
      feedbackTimeoutMs: 2500,
      nightShift: 'off',
    });
    expect(config.moco.settleMs).toBe(30_000);
    expect(config.moco.rateLimit).toEqual({ requests: 120, perSeconds: 120 });
    expect(config.reader.type).toBe('stdin');
    expect(config.signals.driver).toBe('console');
    expect(config.dataDir).toBe('/var/lib/moco-timeclock');
    expect(config.log.level).toBe('info');
  });

  it('keeps per-user keys and the local badge table unless told otherwise', () => {
    const config = parseConfig('moco: { domain: acme }\n');
    expect(config.moco).toMatchObject({ identity: 'user-keys', staffKeyFile: null });
    expect(config.badges).toEqual({ source: 'local', field: 'Badge', syncSeconds: 300 });
  });

  it('refuses badges kept in MOCO without impersonation: they hold no keys', () => {
    expect(problemsOf('moco: { domain: acme }\nbadges: { source: moco }\n')).toEqual([
      expect.stringMatching(
        /^badges\.source: badges kept in MOCO hold no API keys: set moco\.identity: impersonation/,
      ),
    ]);
    const config = parseConfig(
      'moco: { domain: acme, identity: impersonation }\nbadges: { source: moco, field: " RFID " }\n',
    );
    expect(config.badges.field).toBe('RFID');
  });

  it('defaults the time zone to the system zone', () => {
    const config = parseConfig('moco: { domain: acme }\n');
    expect(config.timezone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it('names an unknown key with its path and value, and the known key it most likely means', () => {
    expect(problemsOf('moco: { domain: acme, timeoutMS: 10 }\n')).toEqual([
      'moco.timeoutMS: unknown key (got 10); did you mean moco.timeoutMs?',
    ]);
    expect(problemsOf('moco: { domain: acme }\nreadr: {}\n')).toEqual([
      'readr: unknown key (got {}); did you mean reader?',
    ]);
    expect(problemsOf('moco: { domain: acme, rateLimit: { requets: 5 } }\n')).toEqual([
      'moco.rateLimit.requets: unknown key (got 5); did you mean moco.rateLimit.requests?',
    ]);
    expect(
      problemsOf('moco: { domain: acme }\nreader: { type: serial, path: /dev/x, baudrate: 9600 }\n'),
    ).toEqual(['reader.baudrate: unknown key (got 9600); did you mean reader.baudRate?']);
    // Nothing close enough: no guess.
    expect(problemsOf('moco: { domain: acme }\ncolour: red\n')).toEqual(['colour: unknown key (got "red")']);
  });

  it('runs the checks across keys on every valid section while others have errors', () => {
    const problems = problemsOf(
      [
        'moco: { domain: acme, timeoutMs: "5s", timeoutMS: 1 }',
        'reader: { type: serial, baudrate: 9600 }',
        'scan: { debounceMs: -1 }',
        'signals: { driver: gpio, leds: { green: 17 } }',
        '',
      ].join('\n'),
    );
    expect(problems).toEqual([
      'moco.timeoutMs: Invalid input: expected number, received string (got "5s")',
      'moco.timeoutMS: unknown key (got 1); did you mean moco.timeoutMs?',
      'reader.baudrate: unknown key (got 9600); did you mean reader.baudRate?',
      expect.stringMatching(/^scan\.debounceMs: .*>=0 \(got -1\)$/),
      'reader.path: a serial reader needs a device path (got nothing)',
      'signals.leds.red: the gpio driver needs a BCM pin number here (got nothing)',
    ]);
  });

  it('checks a section with only an unknown key across keys too', () => {
    expect(problemsOf('moco: { timeoutMS: 10 }\n')).toEqual([
      'moco.timeoutMS: unknown key (got 10); did you mean moco.timeoutMs?',
      'moco.domain: set moco.domain or moco.baseUrl (got nothing)',
    ]);
  });

  it('reports every problem at once, not only the first', () => {
    const problems = problemsOf(
      'moco: { baseUrl: "ftp://x", timeoutMs: 10 }\ntimezone: Mars/Olympus\nscan: { debounceMs: -1 }\n',
    );
    expect(problems).toHaveLength(4);
    expect(problems).toContain('moco.baseUrl: must be an http(s) URL (got "ftp://x")');
    expect(problems.find((p) => p.startsWith('moco.timeoutMs:'))).toMatch(/>=500 \(got 10\)$/);
    expect(problems).toContain(
      'timezone: is not a known IANA time zone, e.g. "Europe/Berlin" (got "Mars/Olympus")',
    );
    expect(problems.find((p) => p.startsWith('scan.debounceMs:'))).toMatch(/\(got -1\)$/);
  });

  it('rejects a malformed URL and a malformed domain', () => {
    expect(problemsOf('moco: { baseUrl: "not a url" }\n')[0]).toBe(
      'moco.baseUrl: must be an http(s) URL (got "not a url")',
    );
    expect(problemsOf('moco: { domain: "acme.mocoapp.com" }\n')[0]).toMatch(
      /^moco\.domain: must be the subdomain/,
    );
  });

  it('rejects wrong types', () => {
    expect(problemsOf('moco: { domain: acme }\nscan: { repeatGuardSeconds: "60" }\n')[0]).toMatch(
      /^scan\.repeatGuardSeconds: .*number.* \(got "60"\)$/,
    );
    expect(problemsOf('moco: { domain: acme }\nreader: { type: usb }\n')[0]).toMatch(
      /^reader\.type: .* \(got "usb"\)$/,
    );
  });

  it('needs a domain or a base URL', () => {
    expect(problemsOf('timezone: UTC\n')).toEqual([
      'moco.domain: set moco.domain or moco.baseUrl (got nothing)',
    ]);
  });

  it('needs a device for serial and hid readers', () => {
    expect(problemsOf('moco: { domain: acme }\nreader: { type: serial }\n')).toEqual([
      'reader.path: a serial reader needs a device path (got nothing)',
    ]);
    expect(problemsOf('moco: { domain: acme }\nreader: { type: hid, vendorId: "ffff" }\n')).toEqual([
      'reader.productId: a hid reader needs reader.vendorId and reader.productId, or reader.path (got nothing)',
    ]);
    expect(
      problemsOf('moco: { domain: acme }\nreader: { type: hid, vendorId: "xyz", productId: "1" }\n')[0],
    ).toMatch(/^reader\.vendorId: must be a 1-4 digit hex id/);
  });

  it('needs green and red pins for gpio, and distinct pins', () => {
    expect(problemsOf('moco: { domain: acme }\nsignals: { driver: gpio, leds: { green: 17 } }\n')).toEqual([
      'signals.leds.red: the gpio driver needs a BCM pin number here (got nothing)',
    ]);
    expect(
      problemsOf(
        'moco: { domain: acme }\nsignals: { driver: gpio, leds: { green: 17, red: 27 }, buzzer: 17 }\n',
      ),
    ).toEqual([
      'signals: two outputs share one GPIO pin (got {"driver":"gpio","leds":{"green":17,"red":27},"buzzer":17})',
    ]);
  });

  it('validates pattern overrides', () => {
    expect(
      problemsOf(
        'moco: { domain: acme }\nsignals: { patterns: { clocked_in: [{ led: [blue], ms: 100 }] } }\n',
      )[0],
    ).toMatch(/^signals\.patterns\.clocked_in\.0\.led\.0: .* \(got "blue"\)$/);
    expect(
      problemsOf('moco: { domain: acme }\nsignals: { patterns: { dancing: [{ ms: 100 }] } }\n')[0],
    ).toMatch(/^signals\.patterns\.dancing: /);
  });

  it('refuses a relative dataDir and NUL bytes in paths, naming the key', () => {
    expect(problemsOf('moco: { domain: acme }\ndataDir: data\n')).toEqual([
      'dataDir: must be an absolute path, e.g. /var/lib/moco-timeclock (a relative one would depend on the directory a command runs in) (got "data")',
    ]);
    expect(problemsOf('moco: { domain: acme }\ndataDir: "/var/lib/a\\0b"\n')).toEqual([
      'dataDir: must not contain a NUL byte (got "/var/lib/a\\u0000b")',
    ]);
    expect(problemsOf('moco: { domain: acme }\nreader: { type: serial, path: "/dev/tty\\0" }\n')).toEqual([
      'reader.path: must not contain a NUL byte (got "/dev/tty\\u0000")',
    ]);
  });

  it('takes a readable moco.caFile, and says what is wrong with any other', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-ca-'));
    const empty = join(dir, 'empty.pem');
    writeFileSync(empty, 'no certificate here\n');
    const garbled = join(dir, 'garbled.pem');
    writeFileSync(garbled, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const caFile = (path: string) => `moco: { domain: acme, caFile: "${path}" }\n`;

    expect(parseConfig(caFile(TEST_CERT_FILE)).moco.caFile).toBe(TEST_CERT_FILE);
    expect(parseConfig('moco: { domain: acme }\n').moco.caFile).toBeNull();
    expect(problemsOf(caFile('/nonexistent/ca.pem'))).toEqual([
      'moco.caFile: /nonexistent/ca.pem: file not found (got "/nonexistent/ca.pem")',
    ]);
    expect(problemsOf(caFile(dir))[0]).toMatch(/^moco\.caFile: .*: is a directory; give the PEM file/);
    expect(problemsOf(caFile(empty))[0]).toMatch(/^moco\.caFile: .*empty\.pem: holds no PEM certificate/);
    expect(problemsOf(caFile(garbled))[0]).toMatch(/^moco\.caFile: .*: certificate 1 of 1 is not readable/);
    expect(problemsOf(caFile('ca.pem'))).toEqual([
      expect.stringMatching(/^moco\.caFile: must be an absolute path/),
    ]);
  });

  it('keeps a connection warm with 3 % of the rate limit unless told otherwise', () => {
    expect(parseConfig('moco: { domain: acme }\n').moco.keepWarm).toEqual({ share: 0.03, idleSeconds: 60 });
    expect(parseConfig('moco: { domain: acme, keepWarm: { share: 0 } }\n').moco.keepWarm.share).toBe(0);
    expect(problemsOf('moco: { domain: acme, keepWarm: { share: 0.5, idleSeconds: 2 } }\n')).toEqual([
      expect.stringMatching(/^moco\.keepWarm\.share: /),
      expect.stringMatching(/^moco\.keepWarm\.idleSeconds: /),
    ]);
  });

  it('refuses YAML syntax errors and duplicate keys, showing the line with a caret under the spot', () => {
    expect(problemsOf('moco:\n  domain: acme\n timeoutMs: 3\n')).toEqual([
      [
        'YAML syntax at line 3, column 1: All mapping items must start at the same column',
        '    domain: acme',
        '   timeoutMs: 3',
        '  ^',
      ].join('\n'),
    ]);
    expect(problemsOf('moco: [\n')[0]).toMatch(/^YAML syntax at line 2, column 1: .*\S$/m);
    expect(problemsOf('moco: { domain: a }\nmoco: { domain: b }\n')[0]).toMatch(
      /^YAML syntax at line 2, column 1: Map keys must be unique\n {2}moco: \{ domain: a \}\n/,
    );
  });

  it('prints a problem of several lines indented as a whole', () => {
    expect(indentProblems(['a: wrong', 'YAML syntax at line 1, column 1: x\n  line\n  ^'])).toBe(
      '  a: wrong\n  YAML syntax at line 1, column 1: x\n    line\n    ^',
    );
  });
});

describe('loadConfig and resolveConfigPath', () => {
  it('says when the file is missing', () => {
    const missing = join(tmpdir(), 'no-such-dir', 'config.yaml');
    expect(() => loadConfig(missing)).toThrow(ConfigError);
    try {
      loadConfig(missing);
    } catch (error) {
      expect((error as ConfigError).code).toBe('unreadable');
      expect((error as ConfigError).problems).toEqual([`${missing}: file not found`]);
    }
  });

  it.skipIf(existsSync(DEFAULT_CONFIG_PATH))(
    'says how to go on when there is nothing at the default path: --config, and the template',
    () => {
      expect(() => loadConfig(DEFAULT_CONFIG_PATH)).toThrow(ConfigError);
      try {
        loadConfig(DEFAULT_CONFIG_PATH);
      } catch (error) {
        expect((error as ConfigError).problems).toEqual([
          '/etc/moco-timeclock/config.yaml: file not found',
          'that is the default; give another with --config FILE (or $MOCO_TIMECLOCK_CONFIG), or install with sudo scripts/install.sh',
          `the template is ${EXAMPLE.pathname}: copy it, set moco.domain and dataDir, and pass the copy with --config`,
        ]);
        expect(existsSync(EXAMPLE_CONFIG_PATH)).toBe(true);
      }
    },
  );

  it('says why a configuration path cannot be read, in one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'file'), '');
    const problems = (path: string) => {
      try {
        loadConfig(path);
      } catch (error) {
        return (error as ConfigError).problems;
      }
      throw new Error('accepted');
    };
    expect(problems(dir)).toEqual([`${dir}: is a directory; give the configuration file in it`]);
    expect(problems(join(dir, 'file', 'config.yaml'))).toEqual([
      `${join(dir, 'file', 'config.yaml')}: a part of the path is a file, not a directory`,
    ]);
    expect(problems('/etc/a\0b.yaml')).toEqual([
      '"/etc/a\\u0000b.yaml": the path contains a NUL byte; give the file\'s real path',
    ]);
  });

  it('reads a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'c.yaml'), 'moco: { baseUrl: "http://127.0.0.1:4010/api/v1" }\ntimezone: UTC\n');
    expect(loadConfig(join(dir, 'c.yaml')).moco.baseUrl).toBe('http://127.0.0.1:4010/api/v1');
  });

  it('prefers --config, then the environment, then the default path', () => {
    expect(resolveConfigPath('/a.yaml', { [CONFIG_ENV]: '/b.yaml' })).toBe('/a.yaml');
    expect(resolveConfigPath(undefined, { [CONFIG_ENV]: '/b.yaml' })).toBe('/b.yaml');
    expect(resolveConfigPath(undefined, {})).toBe(DEFAULT_CONFIG_PATH);
  });
});

function leaves(value: unknown, prefix = ''): [string, unknown][] {
  if (
    value === null ||
    typeof value !== 'object' ||
    Array.isArray(value) ||
    Object.keys(value).length === 0
  ) {
    return [[prefix, value]];
  }
  return Object.entries(value).flatMap(([key, child]) => leaves(child, prefix ? `${prefix}.${key}` : key));
}

function valueAt(root: unknown, path: string): unknown {
  let value = root;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

describe('web', () => {
  it('is off, on this machine only, by default', () => {
    const config = parseConfig('moco: { domain: acme }\n');
    expect(config.web).toEqual({
      enabled: false,
      listen: '127.0.0.1:8080',
      trustProxy: false,
      mocoRequests: 20,
      sessionHours: 12,
    });
  });

  it('takes an IPv6 address in brackets and refuses an address without a port', () => {
    expect(parseConfig('moco: { domain: acme }\nweb: { listen: "[::1]:8443" }\n').web.listen).toBe(
      '[::1]:8443',
    );
    expect(problemsOf('moco: { domain: acme }\nweb: { listen: "0.0.0.0" }\n')).toEqual([
      'web.listen: must be host:port, e.g. "127.0.0.1:8080" or "[::1]:8080" (got "0.0.0.0")',
    ]);
  });

  it('leaves the larger share of the MOCO budget to the taps when the page is on', () => {
    const yaml =
      'moco: { domain: acme, rateLimit: { requests: 30 } }\nweb: { enabled: true, mocoRequests: 20 }\n';
    expect(problemsOf(yaml)).toEqual([
      'web.mocoRequests: must be at most half of moco.rateLimit.requests (30): the taps keep the larger share (got 20)',
    ]);
  });
});

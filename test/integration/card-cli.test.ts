// `odekake card status|read|virtual` as a person runs them, through real pcscd + vpcd.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile } from '../../native/card/virtual/index';
import { startPrivatePcscd, type PrivatePcscd } from '../support/pcscd';

const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = fileURLToPath(new URL('../support/card-cli.ts', import.meta.url));
let pcscd: PrivatePcscd;

function run(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: root, env: pcscd.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** Starts `card virtual` as its own process and waits until the reader holds the card. */
async function virtualCard(profile: string, extra: string[] = []): Promise<() => Promise<void>> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, 'card', 'virtual', '--profile', profile, '--port', String(pcscd.port), ...extra], {
    cwd: root,
    env: pcscd.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const s = await run(['card', 'status', '--json']);
    if (s.code === 0 && JSON.parse(s.stdout).cardPresent === true) break;
    if (Date.now() > deadline) throw new Error('virtual card did not appear');
    await new Promise((r) => setTimeout(r, 100));
  }
  return () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
}

beforeAll(async () => {
  pcscd = await startPrivatePcscd();
});
afterAll(async () => {
  await pcscd.stop();
});

describe('odekake card', () => {
  it('status with no card lists both readers and says no card is present', async () => {
    const r = await run(['card', 'status', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.readers.map((x: { name: string }) => x.name)).toEqual(pcscd.readers);
    expect(s.cardPresent).toBe(false);
  });

  it('read --json takes the PIN from standard input and prints name, address, birthDate and sex', async () => {
    const profile = loadProfile('yoshida-hanako');
    const stop = await virtualCard(profile.id);
    try {
      const status = await run(['card', 'status']);
      expect(status.stdout).toContain('あと3回');
      expect(status.stdout).toContain('3BE000FF8131FE4514');
      const r = await run(['card', 'read', '--json'], `${profile.pin}\n`);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ name: profile.name, address: profile.address, birthDate: '1952-07-04', sex: 'female' });
      expect(r.stdout + r.stderr).not.toContain(profile.pin);
      const wrong = await run(['card', 'read', '--json', '--reader', pcscd.readers[0]], '0000\n');
      expect(wrong.code).toBe(1);
      expect(JSON.parse(wrong.stdout).error).toMatchObject({ code: 'CARD_PIN_WRONG', triesLeft: 2 });
      expect(wrong.stderr).toContain('あと2回');
    } finally {
      await stop();
    }
  });

  it('read stops at the last try unless --confirm-last-try is given', async () => {
    const profile = loadProfile('watanabe-sora');
    const stop = await virtualCard(profile.id, ['--tries', '1']);
    try {
      const r = await run(['card', 'read', '--json'], `${profile.pin}\n`);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).error.code).toBe('CARD_PIN_LAST_TRY_NEEDS_CONFIRMATION');
      const ok = await run(['card', 'read', '--json', '--confirm-last-try'], `${profile.pin}\n`);
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.stdout).sex).toBe('not_applicable');
    } finally {
      await stop();
    }
  });

  it('an unknown --reader is reported with its own code', async () => {
    const r = await run(['card', 'status', '--reader', 'Nope 00 00']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('CARD_READER_NOT_FOUND');
  });

  it('has --help for status, read and virtual', async () => {
    for (const sub of ['status', 'read', 'virtual']) {
      const r = await run(['card', sub, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`card ${sub}`);
    }
  });
});

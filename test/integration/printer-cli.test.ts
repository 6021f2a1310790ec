// `odekake printer test` as IT staff run it: a command for one printer needs only that printer's
// address, and a test receipt reaches the ESC/POS emulator over real TCP.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EscposEmulator } from '../../native/printer/escpos-emulator';
import { tempDir } from '../support/fixtures';

const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = fileURLToPath(new URL('../support/printer-cli.ts', import.meta.url));
let emulator: EscposEmulator;
let tmp: ReturnType<typeof tempDir>;

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeEach(async () => {
  tmp = tempDir();
  emulator = new EscposEmulator();
  await emulator.start();
});
afterEach(async () => {
  await emulator.stop();
  tmp.remove();
});

describe('odekake printer test', () => {
  it('--only receipt prints the test receipt with only --receipt given, its date in 和暦', async () => {
    const r = await run(['printer', 'test', '--only', 'receipt', '--receipt', `127.0.0.1:${emulator.port}`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('レシートプリンター: 試験レシートを印刷しました。');
    expect(emulator.receipts).toHaveLength(1);
    expect(emulator.receipts[0]!.text).toContain('試験印刷');
    expect(emulator.receipts[0]!.text).toMatch(/令和\d+年\d+月\d+日\([日月火水木金土]\) \d\d:\d\d/);
  }, 30_000);

  it('--only receipt takes the receipt address from a file that names no A4 printer', async () => {
    const file = join(tmp.dir, 'printers.json');
    writeFileSync(file, JSON.stringify({ receipt: { host: '127.0.0.1', port: emulator.port } }));
    const r = await run(['printer', 'test', '--only', 'receipt', '--config', file]);
    expect(r.code).toBe(0);
    expect(emulator.receipts).toHaveLength(1);
  }, 30_000);

  it('--only certificate without an A4 address names the one flag it needs and prints nothing', async () => {
    const r = await run(['printer', 'test', '--only', 'certificate', '--receipt', `127.0.0.1:${emulator.port}`]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('A4プリンターの宛先がありません。--config に設定ファイルを指定するか、--ipp を指定してください。');
    expect(emulator.receipts).toHaveLength(0);
  }, 30_000);

  it('a test of both printers still asks for both addresses', async () => {
    const r = await run(['printer', 'test']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('A4プリンターとレシートプリンターの宛先がありません。--config に設定ファイルを指定するか、--ipp と --receipt を指定してください。');
  }, 30_000);
});

// Terminal core benchmarks (issue: durable writes, cold start, bundle size, idle memory).
// Prints a table with each figure beside its target. Run with `npm run bench`.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { gzipSync } from 'node:zlib';
import { ManualClock } from '../electron/core/clock';
import { juminhyoRequest, makeCore, projectRoot, staffFile, tempDir } from '../test/support/fixtures';
import { launchChromium } from '../test/support/browser';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: [string, string, string, string][] = [];
const row = (what: string, value: string, target: string, verdict: boolean | null) => rows.push([what, value, target, verdict === null ? '' : verdict ? 'ok' : 'MISSED']);

/**
 * Rounds alternate between the bare insert and the core's durable writes on the same disk, so a
 * slow patch of fsyncs hits both; the table reports the median round of each.
 */
async function durableRates(dir: string, rounds: number, perRound: number): Promise<{ bare: number; create: number; queue: number }> {
  const bareDb = new Database(join(dir, 'bare.sqlite3'));
  bareDb.pragma('journal_mode = WAL');
  bareDb.pragma('synchronous = FULL');
  bareDb.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL, b BLOB NOT NULL)');
  const insert = bareDb.prepare('INSERT INTO t (a, b) VALUES (?, ?)');
  const payload = Buffer.alloc(300, 7);
  const { core } = makeCore(join(dir, 'core'), new ManualClock());
  const input = juminhyoRequest();
  const rate = (t0: number) => perRound / ((performance.now() - t0) / 1000);
  const bare: number[] = [];
  const create: number[] = [];
  const queue: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    for (let i = 0; i < perRound; i++) insert.run(`row-${r}-${i}`, payload);
    bare.push(rate(t0));
    const ids: string[] = [];
    t0 = performance.now();
    for (let i = 0; i < perRound; i++) ids.push(core.requests.create(input, 'S0001').id);
    create.push(rate(t0));
    for (const id of ids) core.requests.checkIdentity(id, { documents: [{ kind: 'passport', last4: '1234' }] }, 'S0001');
    // The relay transaction: step change + audit records + outbox message with its idempotency key.
    t0 = performance.now();
    for (const id of ids) core.requests.confirmByResident(id);
    queue.push(rate(t0));
  }
  bareDb.close();
  await core.close();
  return { bare: median(bare), create: median(create), queue: median(queue) };
}

/**
 * Each run starts the host process on a provisioned data folder (staff roster and key already there,
 * as on the vehicle laptop each morning) and loads the staff screen in an already running Chromium.
 * Run 0 is the first launch on an empty folder (key creation, migrations, hashing the roster's PINs).
 */
async function coldStarts(runs: number): Promise<{ first: number; ready: number[]; interactive: number[]; rssMb: number }> {
  const browser = await launchChromium();
  const tmp = tempDir('odekake-bench-');
  const ready: number[] = [];
  const interactive: number[] = [];
  let first = 0;
  let rssMb = 0;
  try {
    for (let i = 0; i <= runs; i++) {
      const t0 = performance.now();
      const proc = spawn(process.execPath, [join(projectRoot, 'dist', 'cli.js'), 'host', '--data', tmp.dir, '--staff', staffFile, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const line = await new Promise<string>((resolve) => createInterface({ input: proc.stdout! }).once('line', resolve));
      const readyMs = performance.now() - t0;
      const page = await browser.newPage();
      await page.goto(JSON.parse(line).staffUrl);
      await page.getByRole('button', { name: 'サインイン' }).waitFor();
      if (i === 0) first = performance.now() - t0;
      else {
        ready.push(readyMs);
        interactive.push(performance.now() - t0);
      }
      if (i === runs) {
        await new Promise((r) => setTimeout(r, 3000));
        const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
        rssMb = Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
      }
      await page.close();
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
  } finally {
    await browser.close();
    tmp.remove();
  }
  return { first, ready, interactive, rssMb };
}

function initialJsGzipKb(): number {
  const dir = join(projectRoot, 'dist', 'renderer', 'terminal');
  const entry = readFileSync(join(dir, 'staff.js'), 'utf8');
  // The entry and the chunks it imports statically are what the first screen loads.
  const chunks = [...entry.matchAll(/from"\.\/(chunk-[A-Z0-9]+\.js)"/g)].map((m) => m[1]!);
  const files = ['staff.js', ...new Set(chunks)].filter((f) => readdirSync(dir).includes(f));
  return files.reduce((sum, f) => sum + gzipSync(readFileSync(join(dir, f))).length, 0) / 1024;
}

const ROUNDS = 7;
const PER_ROUND = 1000;
const tmp = tempDir('odekake-bench-');
try {
  const { bare, create, queue } = await durableRates(tmp.dir, ROUNDS, PER_ROUND);
  row('bare better-sqlite3 insert, synchronous=FULL', `${bare.toFixed(0)}/s`, '(baseline, same run)', null);
  row('durable request creation (request + audit)', `${create.toFixed(0)}/s = ${(create / bare).toFixed(2)}× bare`, '≥ 0.5× bare', create / bare >= 0.5);
  row('durable relay step (request + audit + outbox)', `${queue.toFixed(0)}/s = ${(queue / bare).toFixed(2)}× bare`, '≥ 0.5× bare', queue / bare >= 0.5);
} finally {
  tmp.remove();
}
const cold = await coldStarts(7);
row('host first launch on an empty folder → sign-in screen', `${cold.first.toFixed(0)} ms`, '', null);
row('host cold start: spawn → ready (median of 7)', `${median(cold.ready).toFixed(0)} ms`, '', null);
row('host cold start: spawn → sign-in screen interactive (median of 7)', `${median(cold.interactive).toFixed(0)} ms`, '≤ 1000 ms', median(cold.interactive) <= 1000);
const js = initialJsGzipKb();
row('renderer initial JavaScript, gzipped', `${js.toFixed(1)} KB`, '≤ 250 KB', js <= 250);
row('host RSS when idle (one screen connected)', `${cold.rssMb.toFixed(0)} MB`, '≤ 200 MB', cold.rssMb <= 200);

const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] ?? "").length), 6));
console.log(`terminal core benchmarks (durable writes: median of ${ROUNDS} alternating rounds of ${PER_ROUND}; ${new Date().toISOString()})`);
for (const r of [['what', 'measured', 'target', ''] as typeof rows[number], ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join(' | '));

// Terminal core benchmarks (issue: durable writes, cold start, bundle size, idle memory).
// Prints a table with each figure beside its target. Run with `npm run bench`.
import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ManualClock } from '../electron/core/clock';
import { juminhyoRequest, makeCore, projectRoot, tempDir } from '../test/support/fixtures';
import { coldStarts, median, p95, startupTable } from './startup';

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

function initialJsGzipKb(): number {
  const dir = join(projectRoot, 'dist', 'renderer', 'terminal');
  // The scripts staff.html loads and the chunks they import statically are what the first screen loads.
  const html = readFileSync(join(dir, 'staff.html'), 'utf8');
  const files = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file) || !readdirSync(dir).includes(file)) return;
    files.add(file);
    for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/from"\.\/(chunk-[A-Z0-9]+\.js)"/g)) visit(m[1]!);
  };
  for (const m of html.matchAll(/<script type="module" src="([\w-]+\.js)"/g)) visit(m[1]!);
  return [...files].reduce((sum, f) => sum + gzipSync(readFileSync(join(dir, f))).length, 0) / 1024;
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
const cold = await coldStarts(11);
const totals = cold.runs.map((r) => r.total);
row('host first launch on an empty folder → sign-in screen', `${cold.first.total.toFixed(0)} ms`, '', null);
row('host cold start: spawn → ready (median of 11)', `${median(cold.runs.map((r) => r.ready)).toFixed(0)} ms`, '', null);
row('host cold start: spawn → sign-in screen interactive (median, p95 of 11)', `${median(totals).toFixed(0)} ms, p95 ${p95(totals).toFixed(0)} ms`, '≤ 1000 ms', median(totals) <= 1000);
const js = initialJsGzipKb();
row('renderer initial JavaScript, gzipped', `${js.toFixed(1)} KB`, '≤ 250 KB', js <= 250);
row('host RSS when idle (one screen connected)', `${cold.rssMb.toFixed(0)} MB`, '≤ 200 MB', cold.rssMb <= 200);

const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] ?? "").length), 6));
console.log(`terminal core benchmarks (durable writes: median of ${ROUNDS} alternating rounds of ${PER_ROUND}; ${new Date().toISOString()})`);
for (const r of [['what', 'measured', 'target', ''] as typeof rows[number], ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join(' | '));
console.log('');
for (const line of startupTable(cold)) console.log(line);

// Home-visit booking benchmarks (issue 11), each hub a process of its own started through the CLI, on
// SQLite and on PostgreSQL in the same run, called over HTTPS through the signed intake API exactly as
// the smartphone-city-hall relay calls it:
//   (1) a month of availability for one area with 10,000 bookings on the books (target p95 ≤ 20 ms);
//   (2) booking writes with 20 concurrent clients, each taking the earliest free slot it is offered
//       and moving to the next free slot a SLOT_TAKEN answer names (the rush after a LINE announcement).
//   npm run bench:bookings                          (both stores)
//   node --import tsx bench/bookings.ts sqlite      (one store: sqlite | postgres)
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { loadVisitRules } from '../common/visit-rules-file';
import { initHub } from '../hub/server';
import { openHubStore, readHubKeys } from '../hub/server/data-dir';
import { addDays, isVisitDay, tokyoDate } from '../protocol/visit-calendar';
import { AREA_IDS, DISTRICTS, SLOT_IDS, type AreaId } from '../protocol/visit-rules';
import { projectRoot, tempDir } from '../test/support/fixtures';
import { cliPath } from '../test/support/host';
import { adminCredentials } from '../test/support/hub';
import { startHubProcess, type HubProcess } from '../test/support/hub-process';
import type { PostgresCluster } from '../test/support/postgres-cluster';
import { benchDatabase, onEachStore, printTable, type BenchRow } from './stores';

const parts = process.argv.slice(2);
const stores = (['sqlite', 'postgres'] as const).filter((s) => parts.length === 0 || parts.includes(s));

const BOOKINGS_ON_THE_BOOKS = 10_000;
const AVAILABILITY_CALLS = 400;
const WRITERS = 20;
const AVAILABILITY_P95_TARGET_MS = 20;

const rules = loadVisitRules(join(projectRoot, 'fixtures', 'visit-rules.json'));
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)]!;
const ms = (n: number) => `${n.toFixed(1)} ms`;

const rows: BenchRow[] = [];

/** A resident of the bench: invented, numbered. */
const resident = (i: number) => ({ name: `試験 太郎${i}`, kana: 'しけん たろう', birthDate: '1940-04-01', address: `いわき市平字試験${i}`, phone: '0246220000' });
const districtOf: Record<AreaId, string> = { north: '平', south: '小名浜' };

/**
 * 10,000 bookings written into the store before the hub starts: every slot of every visit day of both
 * areas for years back (the books of a service that has run a while), with a cancelled booking beside
 * every fourth one, and a third of the coming month's slots; the rest of the month is left free.
 */
async function seed(dataDir: string, db: string | undefined): Promise<{ booked: number; cancelled: number }> {
  const store = await openHubStore(dataDir, db);
  const today = tokyoDate(new Date());
  const future: { date: string; area: AreaId; slot: (typeof SLOT_IDS)[number] }[] = [];
  for (let d = addDays(today, 1), n = 0; d <= addDays(today, 31); d = addDays(d, 1)) {
    for (const area of AREA_IDS) if (isVisitDay(rules, area, d)) for (const slot of SLOT_IDS) if (n++ % 3 === 0) future.push({ date: d, area, slot });
  }
  const past: typeof future = [];
  for (let d = addDays(today, -1); past.length < BOOKINGS_ON_THE_BOOKS; d = addDays(d, -1)) {
    for (const area of AREA_IDS) if (isVisitDay(rules, area, d)) for (const slot of SLOT_IDS) past.push({ date: d, area, slot });
  }
  const all = [...future, ...past];
  let booked = 0;
  let cancelled = 0;
  const at = new Date().toISOString();
  for (let i = 0; booked + cancelled < BOOKINGS_ON_THE_BOOKS; i += 250) {
    await store.transaction(async (tx) => {
      for (const [j, s] of all.slice(i, i + 250).entries()) {
        if (booked + cancelled >= BOOKINGS_ON_THE_BOOKS) break;
        const n = i + j;
        const common = {
          channel: n % 2 === 0 ? 'line' : 'phone', area: s.area, district: districtOf[s.area], visitDate: s.date, slot: s.slot,
          resident: JSON.stringify(resident(n)), eligibility: JSON.stringify({ reasons: ['elderly'] }), coverage: 'yes', parking: 'yes',
          services: JSON.stringify([{ type: 'certificate', kind: 'juminhyo', copies: 1 }]), notes: null, createdAt: at, createdBy: 'bench',
        };
        if (n % 4 === 3 && booked + cancelled + 1 < BOOKINGS_ON_THE_BOOKS) {
          await tx.insertBooking({ ...common, id: `bench-c-${n}`, externalId: `bench-c-${n}` });
          await tx.cancelBooking(`bench-c-${n}`, '試験の取消', 'bench', at);
          cancelled++;
        }
        if (await tx.insertBooking({ ...common, id: `bench-${n}`, externalId: `bench-${n}` })) booked++;
      }
    });
  }
  await store.close();
  return { booked, cancelled };
}

/** The documented recipe: HMAC-SHA256 over the raw body of a POST, over the path and query of a GET. */
function signed(key: { id: string; secret: string }, message: string | Buffer) {
  return { 'x-odekake-key': key.id, 'x-odekake-signature': createHmac('sha256', key.secret).update(message).digest('base64') };
}

interface Answer {
  status: number;
  body: unknown;
  ms: number;
}

function call(base: URL, agent: Agent, key: { id: string; secret: string }, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> {
  const raw = body === undefined ? null : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = { ...signed(key, raw ?? path) };
  if (raw) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(raw.length) });
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request({ host: base.hostname, port: base.port, path, method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'), ms: performance.now() - t0 }));
    });
    req.on('error', reject);
    req.end(raw ?? undefined);
  });
}

function addIntakeKey(dataDir: string, db: string | undefined): { id: string; secret: string } {
  const r = spawnSync(process.execPath, [cliPath, 'hub', 'intake-key', 'add', '--data', dataDir, '--name', 'bench-relay', ...(db ? ['--db', db] : [])], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`intake-key add failed: ${r.stderr}`);
  const [id, secret] = r.stdout.trim().split(/\s+/);
  return { id: id!, secret: secret! };
}

async function benchStore(store: 'sqlite' | 'postgres', cluster: PostgresCluster | null): Promise<void> {
  const tmp = tempDir(`bench-bookings-${store}-`);
  let hub: HubProcess | null = null;
  let database: Awaited<ReturnType<typeof benchDatabase>> | null = null;
  try {
    database = cluster ? await benchDatabase(cluster, 'bench_bookings') : null;
    const db = database?.url;
    const dataDir = join(tmp.dir, 'hub');
    await initHub({ dataDir, adminId: adminCredentials.operatorId, adminPassword: adminCredentials.password, db });
    const books = await seed(dataDir, db);
    const key = addIntakeKey(dataDir, db);
    hub = await startHubProcess(dataDir, 0);
    const base = new URL(hub.url);
    const agent = new Agent({ keepAlive: true, ca: readHubKeys(dataDir).caCert, maxSockets: WRITERS });

    // (1) a month of availability for one area.
    const from = addDays(tokyoDate(new Date()), 1);
    const path = `/api/v1/bookings/availability?area=north&from=${from}&to=${addDays(from, 30)}`;
    for (let i = 0; i < 20; i++) await call(base, agent, key, 'GET', path); // warm-up
    const times: number[] = [];
    let freeSeen = 0;
    for (let i = 0; i < AVAILABILITY_CALLS; i++) {
      const a = await call(base, agent, key, 'GET', path);
      if (a.status !== 200) throw new Error(`availability answered ${a.status}: ${JSON.stringify(a.body)}`);
      times.push(a.ms);
      if (i === 0) freeSeen = (a.body as { days: { slots: { status: string }[] }[] }).days.flatMap((d) => d.slots).filter((s) => s.status === 'free').length;
    }
    const p95 = quantile(times, 0.95);
    rows.push([`${store}: availability, north, 31 days (${books.booked + books.cancelled} bookings on the books, ${freeSeen} slots free)`,
      `p50 ${ms(quantile(times, 0.5))} · p95 ${ms(p95)}`, `p95 ≤ ${AVAILABILITY_P95_TARGET_MS} ms`, p95 <= AVAILABILITY_P95_TARGET_MS ? 'ok' : 'MISSED']);

    // (2) 20 concurrent writers, each taking the earliest free slot and following SLOT_TAKEN's offers.
    const writes: number[] = [];
    const counts = { created: 0, taken: 0, other: 0 };
    const firstFree = async (): Promise<{ date: string; slot: string } | null> => {
      const a = await call(base, agent, key, 'GET', path);
      const day = (a.body as { days: { date: string; slots: { slot: string; status: string }[] }[] }).days.find((d) => d.slots.some((s) => s.status === 'free'));
      const slot = day?.slots.find((s) => s.status === 'free');
      return day && slot ? { date: day.date, slot: slot.slot } : null;
    };
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        let target = await firstFree();
        for (let attempt = 0; target && attempt < 10; attempt++) {
          const a = await call(base, agent, key, 'POST', '/api/v1/bookings', {
            externalId: `bench-w${w}-${attempt}`, channel: 'line', district: '平', date: target.date, slot: target.slot, resident: resident(100_000 + w),
            eligibility: { reasons: ['elderly'] }, coverage: 'yes', parking: 'unknown', services: [{ type: 'certificate', kind: 'juminhyo', copies: 1 }],
          });
          writes.push(a.ms);
          if (a.status === 201) {
            counts.created++;
            target = await firstFree();
          } else if (a.status === 409) {
            counts.taken++;
            const next = (a.body as { nextFree?: { date: string; slot: string }[] }).nextFree ?? [];
            target = next[w % Math.max(next.length, 1)] ?? null;
          } else {
            counts.other++;
            throw new Error(`booking answered ${a.status}: ${JSON.stringify(a.body)}`);
          }
        }
      }),
    );
    const elapsed = performance.now() - t0;
    rows.push([`${store}: booking writes, ${WRITERS} concurrent clients (${counts.created} booked, ${counts.taken} SLOT_TAKEN, ${(elapsed / 1000).toFixed(1)} s)`,
      `p50 ${ms(quantile(writes, 0.5))} · p95 ${ms(quantile(writes, 0.95))}`, '(no target)', '']);
    agent.destroy();
  } finally {
    await hub?.stop();
    await database?.drop();
    tmp.remove();
  }
}

async function main(): Promise<void> {
  await onEachStore(stores, benchStore);
  printTable(`Home-visit bookings (${new Date().toISOString()}, ${DISTRICTS.length} districts, visit rules fixtures/visit-rules.json)`, rows);
}

await main();

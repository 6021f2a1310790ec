// Records report benchmark (issue 12): the report of a fiscal year over 1,000,000 recorded
// person-services, on SQLite and on PostgreSQL in the same run, each beside a bare
//   SELECT service, count(*) FROM outing_services GROUP BY service
// over the same rows — the floor any report over them stands on. Target: the report ≤ 1 s.
//   npm run bench:records                          (both stores)
//   node --import tsx bench/records.ts sqlite      (one store: sqlite | postgres)
import { join } from 'node:path';
import { sql } from 'kysely';
import { OUTING_KINDS, RECORD_SERVICES, type OutingKind } from '../protocol/records';
import { recordsReport } from '../hub/server/records';
import { openPostgresHubStore, openSqliteHubStore } from '../hub/store/open';
import type { KyselyHubStore } from '../hub/store/store';
import { tempDir } from '../test/support/fixtures';
import type { PostgresCluster } from '../test/support/postgres-cluster';
import { benchDatabase, onEachStore, printTable, type BenchRow } from './stores';

const parts = process.argv.slice(2);
const stores = (['sqlite', 'postgres'] as const).filter((s) => parts.length === 0 || parts.includes(s));

const PERSON_SERVICES = 1_000_000;
const FISCAL_YEAR = 2024;
const PEOPLE_PER_OUTING = 40;
const REPORT_TARGET_MS = 1000;
const RUNS = 5;
const PLACES = ['川前', '久之浜・大久', '田人', '中央台', '遠野', '小川', '好間'];
const ROWS_PER_INSERT = 500;

const rows: BenchRow[] = [];
const ms = (n: number) => `${n.toFixed(0)} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A fiscal year of outings, each with its people served: 1–3 services a person, the first counting the person. */
async function seed(store: KyselyHubStore): Promise<{ outings: number; personServices: number }> {
  const db = store.db;
  await db.insertInto('vehicles').values({ id: 'car-1', enrolled_at: 't', enrolled_by: 'bench' }).execute();
  let personServices = 0;
  let outings = 0;
  const at = new Date().toISOString();
  while (personServices < PERSON_SERVICES) {
    // One transaction per 200 outings (about 16,000 rows), each table written with multi-row inserts.
    await db.transaction().execute(async (trx) => {
      const outingRows = [];
      const serviceRows = [];
      for (let o = 0; o < 200 && personServices < PERSON_SERVICES; o++, outings++) {
        const month = `${FISCAL_YEAR + (outings % 12 >= 9 ? 1 : 0)}-${String(((outings % 12) + 3) % 12 + 1).padStart(2, '0')}`;
        const kind: OutingKind = outings % 10 < 6 ? 'patrol' : OUTING_KINDS[1 + (outings % 4)]!;
        const place = kind === 'patrol' ? PLACES[outings % PLACES.length]! : '';
        const id = `bench-outing-${outings}`;
        outingRows.push({
          id, vehicle_id: 'car-1', source: 'vehicle' as const, date: `${month}-10`, fiscal_year: FISCAL_YEAR, month, kind, place: place || null,
          staff: '["S1"]', started_at: at, ended_at: at, explained: outings % 7, received_at: at,
        });
        for (let p = 1; p <= PEOPLE_PER_OUTING && personServices < PERSON_SERVICES; p++) {
          const n = 1 + ((outings + p) % 3);
          for (let s = 0; s < n && personServices < PERSON_SERVICES; s++, personServices++) {
            serviceRows.push({
              outing_id: id, person_no: p, service: RECORD_SERVICES[(p + s * 2) % RECORD_SERVICES.length]!, department: null, month, kind, place, counts_person: s === 0 ? 1 : 0,
            });
          }
        }
      }
      for (let i = 0; i < outingRows.length; i += ROWS_PER_INSERT) await trx.insertInto('outings').values(outingRows.slice(i, i + ROWS_PER_INSERT)).execute();
      for (let i = 0; i < serviceRows.length; i += ROWS_PER_INSERT) await trx.insertInto('outing_services').values(serviceRows.slice(i, i + ROWS_PER_INSERT)).execute();
    });
  }
  // Statistics (and PostgreSQL's visibility map, for index-only scans), as a running hub's autovacuum would have them.
  await sql.raw(store.dialect === 'postgres' ? 'VACUUM ANALYZE' : 'ANALYZE').execute(db);
  return { outings, personServices };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

async function benchStore(kind: 'sqlite' | 'postgres', cluster: PostgresCluster | null): Promise<void> {
  const tmp = tempDir(`bench-records-${kind}-`);
  let database: Awaited<ReturnType<typeof benchDatabase>> | null = null;
  let store: KyselyHubStore | null = null;
  try {
    if (cluster) {
      database = await benchDatabase(cluster, 'bench_records');
      store = await openPostgresHubStore(database.url);
    } else {
      store = openSqliteHubStore(join(tmp.dir, 'hub.sqlite3'));
    }
    const s = store;
    const seeding = await timed(() => seed(s));
    const { outings, personServices } = seeding.value;
    const bare = () => sql<{ service: string; n: number }>`SELECT service, count(*) AS n FROM outing_services GROUP BY service`.execute(s.db);
    const report = () => recordsReport(s, { fiscalYear: FISCAL_YEAR });
    await bare();
    const first = await report();
    const served = (await bare()).rows.reduce((n, r) => n + Number(r.n), 0);
    if (served !== PERSON_SERVICES) throw new Error(`seeded ${served} person-services, expected ${PERSON_SERVICES}`);
    if (first.summary.operations !== outings) throw new Error(`the report counts ${first.summary.operations} outings, ${outings} were seeded`);
    const bareTimes: number[] = [];
    const reportTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      bareTimes.push((await timed(bare)).ms);
      reportTimes.push((await timed(report)).ms);
    }
    const label = `${kind}: ${personServices.toLocaleString('en')} person-services, ${outings.toLocaleString('en')} outings (seeded in ${(seeding.ms / 1000).toFixed(1)} s)`;
    const r = median(reportTimes);
    rows.push([`${label}: fiscal-year report (${first.rows.length} rows, ${first.monthly.length} months)`, `median ${ms(r)} · max ${ms(Math.max(...reportTimes))}`, `≤ ${REPORT_TARGET_MS} ms`, r <= REPORT_TARGET_MS ? 'ok' : 'MISSED']);
    rows.push([`${kind}: bare SELECT service, count(*) … GROUP BY service, same rows`, `median ${ms(median(bareTimes))} · max ${ms(Math.max(...bareTimes))}`, '(floor)', '']);
  } finally {
    await store?.close();
    await database?.drop();
    tmp.remove();
  }
}

async function main(): Promise<void> {
  await onEachStore(stores, benchStore);
  printTable(`Records report (${new Date().toISOString()}, fiscal year ${FISCAL_YEAR}, ${RUNS} runs each, median)`, rows);
}

await main();

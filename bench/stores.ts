// What the hub benchmarks share: one PostgreSQL cluster for a run, a throwaway database per
// measurement, and the table every benchmark prints (what, measured, target, ok/MISSED).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startPostgresCluster, type PostgresCluster } from '../test/support/postgres-cluster';

export type BenchStore = 'sqlite' | 'postgres';
export type BenchRow = [what: string, measured: string, target: string, verdict: string];

async function asAdmin(cluster: PostgresCluster, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** A new database on the run's cluster, dropped (with its connections) by `drop`. */
export async function benchDatabase(cluster: PostgresCluster, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await asAdmin(cluster, `CREATE DATABASE ${name}`);
  const u = new URL(cluster.adminUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => asAdmin(cluster, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** Runs `bench` on each store asked for, starting the PostgreSQL cluster only when it is needed. */
export async function onEachStore(stores: readonly BenchStore[], bench: (store: BenchStore, cluster: PostgresCluster | null) => Promise<void>): Promise<void> {
  let cluster: PostgresCluster | null = null;
  try {
    for (const store of stores) {
      if (store === 'postgres') cluster ??= await startPostgresCluster();
      await bench(store, store === 'postgres' ? cluster : null);
    }
  } finally {
    await cluster?.stop();
  }
}

export function printTable(title: string, rows: readonly BenchRow[]): void {
  const all = [['what', 'measured', 'target', ''], ...rows];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write(`\n${title}\n${line(all[0]!)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n`);
}

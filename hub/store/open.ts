// Opens the hub store on its database: a SQLite file (the embedded default) or a PostgreSQL database
// named by a postgres:// URL. Both run the migrations they lack before the store is handed out.
import type { Database as SqliteFile, Statement } from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import { z } from 'zod';
import { openSqlite } from '../../common/sqlite';
import { HubError } from '../errors';
import { migratePostgres, migrateSqlite } from './migrate';
import type { HubDatabase } from './schema';
import { KyselyHubStore } from './store';

export type HubDatabaseLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** A PostgreSQL connection URL as `--db` takes it. */
export const PostgresUrl = z
  .string()
  .max(2000)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.pathname.length > 1;
    } catch {
      return false;
    }
  });

export function invalidDatabaseUrl(): HubError {
  return new HubError(400, 'INVALID_DATABASE_URL', 'データベースの指定が正しくありません。postgres://ユーザー@ホスト:ポート/データベース名 の形で指定してください。');
}

/** The URL without its password, for messages and logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(読めない URL)';
  }
}

/**
 * better-sqlite3 with its statements prepared once per SQL text: Kysely's driver prepares on every
 * query, and preparing costs more than running the hub's small statements.
 */
function preparedOnce(db: SqliteFile): SqliteDatabase {
  const cache = new Map<string, Statement>();
  return {
    close: () => db.close(),
    prepare(sqlText: string) {
      const cached = cache.get(sqlText);
      if (cached) return cached;
      const stmt = db.prepare(sqlText);
      // Bounded: IN (?, …) lists come in many lengths, and those are rare calls.
      if (cache.size < 512) cache.set(sqlText, stmt);
      return stmt;
    },
  };
}

export function openSqliteHubStore(file: string): KyselyHubStore {
  const raw = openSqlite(file, []);
  try {
    migrateSqlite(raw);
  } catch (e) {
    raw.close();
    throw e;
  }
  const database = preparedOnce(raw);
  const db = new Kysely<HubDatabase>({ dialect: new SqliteDialect({ database }) });
  return new KyselyHubStore({ db, dialect: 'sqlite', sqlite: { database, inTransaction: () => raw.inTransaction } });
}

/** int8 (COUNT(*), SUM) arrives as text from pg; the hub's counts fit a number. */
const hubPgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export interface PostgresStoreOptions {
  /** Connections this process keeps (default 10). */
  poolSize?: number;
  /** An idle connection failed (the server restarted): the next query reconnects; this only reports it. */
  onIdleError?: (e: Error) => void;
}

export function createPostgresKysely(url: string, options: PostgresStoreOptions = {}): Kysely<HubDatabase> {
  if (!PostgresUrl.safeParse(url).success) throw invalidDatabaseUrl();
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, types: hubPgTypes });
  pool.on('error', (e) => options.onIdleError?.(e));
  return new Kysely<HubDatabase>({ dialect: new PostgresDialect({ pool }) });
}

export async function openPostgresHubStore(url: string, options: PostgresStoreOptions = {}): Promise<KyselyHubStore> {
  const db = createPostgresKysely(url, options);
  try {
    await migratePostgres(db);
  } catch (e) {
    await db.destroy();
    const code = (e as { code?: unknown }).code;
    // Connection failures carry a Node error code (ECONNREFUSED…) or PostgreSQL's class 08 / 28 / 3D.
    if (typeof code === 'string' && (/^E[A-Z]+$/.test(code) || /^(08|28|3D)/.test(code))) {
      throw new HubError(
        503,
        'DATABASE_UNREACHABLE',
        `データベースに接続できません（${redactDatabaseUrl(url)}、${code}）。サーバーが動いているか、ユーザー名・データベース名が正しいかを確かめてください。`,
      );
    }
    throw e;
  }
  return new KyselyHubStore({ db, dialect: 'postgres' });
}

export async function openHubStoreAt(location: HubDatabaseLocation, options: PostgresStoreOptions = {}): Promise<KyselyHubStore> {
  return location.kind === 'sqlite' ? openSqliteHubStore(location.file) : openPostgresHubStore(location.url, options);
}

import type { Database } from 'better-sqlite3';

/** A numbered schema step of the hub's SQLite store. Each runs once, in its own transaction, in order. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Database): void;
}

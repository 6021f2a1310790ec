import type { Database } from 'better-sqlite3';

/** A numbered schema step. Each runs once, in its own transaction, in version order. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Database): void;
}

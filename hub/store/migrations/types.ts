/**
 * A numbered schema step in the hub's two dialects. Where the SQL must differ (BLOB vs BYTEA, rowid
 * keys vs identity columns, trigger syntax) each form is written out in full, so each can be read and
 * tested as it runs. Shipped migrations are never edited: add the next number.
 */
export interface HubMigration {
  readonly version: number;
  readonly name: string;
  /** Run by better-sqlite3's exec (several statements). */
  readonly sqlite: string;
  /** Run as one simple-protocol query (several statements) inside the migration's transaction. */
  readonly postgres: string;
}

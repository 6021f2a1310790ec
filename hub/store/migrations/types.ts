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
  /**
   * The SQLite step rebuilds a table others refer to: foreign keys are switched off before its
   * transaction (the pragma is a no-op inside one) and checked with foreign_key_check before it commits.
   */
  readonly sqliteForeignKeysOff?: boolean;
  /** Run as one simple-protocol query (several statements) inside the migration's transaction. */
  readonly postgres: string;
}

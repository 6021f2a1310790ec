// The terminal's SQLite file: see common/sqlite.ts for the durability settings and the migration runner.
import { migrate as migrateWith, openSqlite, schemaVersion, type Db } from '../../common/sqlite';
import { migrations as allMigrations, type Migration } from './migrations';

export type { Db };
export { schemaVersion };

export function openDatabase(file: string, migrations: readonly Migration[] = allMigrations): Db {
  return openSqlite(file, migrations);
}

export function migrate(db: Db, migrations: readonly Migration[] = allMigrations, target = Infinity): void {
  migrateWith(db, migrations, target);
}

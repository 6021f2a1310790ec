// A private PostgreSQL cluster (scripts/postgres-cluster.sh) on a free port in a temporary folder: one
// per test run (vitest's globalSetup) or per benchmark run. Stopped and removed by stop().
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort as freeTcpPort } from '../../native/printer/ippeveprinter';
import { projectRoot } from './fixtures';

const run = promisify(execFile);
const script = join(projectRoot, 'scripts', 'postgres-cluster.sh');

export interface PostgresCluster {
  /** The superuser's URL to the `postgres` database. */
  adminUrl: string;
  stop(): Promise<void>;
}

export async function startPostgresCluster(options: { fast?: boolean } = {}): Promise<PostgresCluster> {
  const parent = mkdtempSync(join(tmpdir(), 'odekake-pg-'));
  // The server runs as the postgres user when we are root: it must be able to reach its folder.
  chmodSync(parent, 0o711);
  const dir = join(parent, 'cluster');
  for (let attempt = 1; ; attempt++) {
    const port = await freeTcpPort();
    try {
      const { stdout } = await run('bash', [script, 'start', dir, String(port), ...(options.fast ? ['--fast'] : [])]);
      const adminUrl = stdout.trim();
      return {
        adminUrl,
        async stop() {
          await run('bash', [script, 'stop', dir]);
          rmSync(parent, { recursive: true, force: true });
        },
      };
    } catch (e) {
      // Another process may have taken the port between the check and the server's bind.
      await run('bash', [script, 'stop', dir]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      if (attempt >= 3) throw e;
    }
  }
}

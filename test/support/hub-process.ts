// The real hub as its own process, started through the CLI (`odekake hub init|start`), so a test can
// kill -9 it and start it again on the same data folder and port.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { cliPath } from './host';
import { adminCredentials, approverCredentials } from './hub';
import { testHubDatabase, type TestDatabase } from './postgres';

export interface HubProcess {
  proc: ChildProcess;
  url: string;
  port: number;
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `odekake hub init` with the test admin's password on standard input — on this test project's store: on
 * PostgreSQL with `--db` and a new database, which the data folder then records for `hub start`.
 */
export async function initHubProcessData(dataDir: string): Promise<TestDatabase | null> {
  if (!existsSync(cliPath)) throw new Error('dist/cli.js is missing: run `npm run build` first (npm test does)');
  const database = await testHubDatabase();
  const r = spawnSync(process.execPath, [cliPath, 'hub', 'init', '--data', dataDir, '--admin', adminCredentials.operatorId, '--password-stdin', ...(database ? ['--db', database.url] : [])], {
    input: `${adminCredentials.password}\n`,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`hub init failed (${r.status}): ${r.stderr}`);
  const op = spawnSync(process.execPath, [cliPath, 'hub', 'operator-add', '--data', dataDir, '--id', approverCredentials.operatorId, '--name', '証明 一郎', '--role', 'operator'], {
    input: `${approverCredentials.password}\n`,
    encoding: 'utf8',
  });
  if (op.status !== 0) throw new Error(`hub operator-add failed (${op.status}): ${op.stderr}`);
  return database;
}

export interface HubProcessOptions {
  /** A postgres:// URL (`hub start --db`); without it the hub uses what `hub init` recorded. */
  db?: string;
  /** Node options for the hub process (e.g. --cpu-prof in the benchmark). */
  execArgv?: string[];
}

export async function startHubProcess(dataDir: string, port: number, options: HubProcessOptions = {}): Promise<HubProcess> {
  const args = [cliPath, 'hub', 'start', '--data', dataDir, '--port', String(port), '--json', ...(options.db ? ['--db', options.db] : [])];
  const proc = spawn(process.execPath, [...(options.execArgv ?? []), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ODEKAKE_LOG_LEVEL: 'silent' },
  });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr = (stderr + String(d)).slice(-4000)));
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout! });
    rl.once('line', resolve);
    proc.once('exit', (code, signal) => reject(new Error(`hub exited (${code ?? signal}) before ready: ${stderr}`)));
  });
  const ready = JSON.parse(line) as { url: string; port: number };
  const gone = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  return {
    proc,
    url: ready.url,
    port: ready.port,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await gone;
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await gone;
    },
  };
}

// Starts the real host (dist/cli.js host) as a child process and talks to it like a screen does.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { projectRoot, staffFile } from './fixtures';
import { HOST_TOKEN_PROTOCOL_PREFIX, HOST_WS_PROTOCOL } from '../../protocol/ids';

export interface HostProcess {
  proc: ChildProcess;
  port: number;
  staffUrl: string;
  residentUrl: string;
  tokens: { staff: string; resident: string };
  /** What the host logged on standard error so far (warnings and errors: ids and codes, no personal data). */
  log(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export const cliPath = join(projectRoot, 'dist', 'cli.js');

export async function startHostProcess(dataDir: string, extraArgs: string[] = []): Promise<HostProcess> {
  if (!existsSync(cliPath)) throw new Error('dist/cli.js is missing: run `npm run build` first (npm test does)');
  const proc = spawn(process.execPath, [cliPath, 'host', '--data', dataDir, '--staff', staffFile, '--json', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ODEKAKE_LOG_LEVEL: 'warn' },
  });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += String(d)));
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout! });
    rl.once('line', resolve);
    proc.once('exit', (code) => reject(new Error(`host exited (${code}) before ready: ${stderr}`)));
  });
  const ready = JSON.parse(line) as { port: number; staffUrl: string; residentUrl: string };
  const token = (url: string) => new URL(url).hash.replace('#token=', '');
  return {
    proc,
    ...ready,
    tokens: { staff: token(ready.staffUrl), resident: token(ready.residentUrl) },
    log: () => stderr,
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill(signal);
      }),
  };
}

/** A WebSocket client speaking the contract, as the renderer does. */
export class ContractClient {
  private nextId = 1;
  private pending = new Map<number, (r: any) => void>();
  readonly events: { name: string; payload: unknown }[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data));
      if (frame.type === 'result') {
        this.pending.get(frame.id)?.(frame.result);
        this.pending.delete(frame.id);
      } else this.events.push({ name: frame.name, payload: frame.payload });
    });
    ws.on('close', () => {
      for (const settle of this.pending.values()) settle({ ok: false, error: { code: 'DISCONNECTED', message: 'closed' } });
      this.pending.clear();
    });
  }

  static connect(port: number, token: string | null, origin = `http://127.0.0.1:${port}`): Promise<ContractClient> {
    const protocols = [HOST_WS_PROTOCOL, ...(token ? [`${HOST_TOKEN_PROTOCOL_PREFIX}${token}`] : [])];
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, protocols, { origin });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new ContractClient(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: HTTP ${res.statusCode}`)));
    });
  }

  call(name: string, input: unknown): Promise<{ ok: boolean; value?: any; error?: { code: string; message: string } }> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ type: 'call', id, name, input }));
    });
  }

  close(): void {
    this.ws.close();
  }
}

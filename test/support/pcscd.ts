// A private pcscd for card tests: its own vpcd ports and its own socket, so tests never stop or
// disturb the system pcscd (the demo's, or another suite's). pcscd keeps its pid file and socket in
// the fixed /run/pcscd, so it runs in a private mount namespace where a temporary directory is
// bind-mounted over /run/pcscd; the socket is then reachable at <dir>/pcscd.comm, which pcsc-lite
// clients use through PCSCLITE_CSOCK_NAME. Needs root (unshare, mount) — as pcscd itself does.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivatePcscd {
  /** Socket path to put in PCSCLITE_CSOCK_NAME. */
  socket: string;
  /** vpcd port of the first slot; the second slot listens on port + 1. */
  port: number;
  /** Reader names pcscd gives the two vpcd slots. */
  readers: [string, string];
  env: NodeJS.ProcessEnv;
  restart(): Promise<void>;
  stopDaemon(): Promise<void>;
  startDaemon(): Promise<void>;
  stop(): Promise<void>;
}

const FRIENDLY = 'Odekake Test PCD';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '0.0.0.0', () => srv.close(() => resolve(true)));
  });
}

async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i += 1) {
    const port = 41000 + Math.floor(Math.random() * 8000) * 2;
    if ((await portFree(port)) && (await portFree(port + 1))) return port;
  }
  throw new Error('no free port pair for vpcd');
}

async function waitFor(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Starts a private pcscd with only the vpcd driver, and points this process's pcsc-lite at it.
 * Call before the first PC/SC context is created in the process (pcsc-lite reads the variable once).
 */
export async function startPrivatePcscd(): Promise<PrivatePcscd> {
  const dir = mkdtempSync(join(tmpdir(), 'odekake-pcscd-'));
  const run = join(dir, 'run');
  const conf = join(dir, 'reader.conf.d');
  mkdirSync(run);
  mkdirSync(conf);
  const port = await freePortPair();
  const hexPort = `0x${port.toString(16).toUpperCase()}`;
  writeFileSync(
    join(conf, 'vpcd'),
    `FRIENDLYNAME "${FRIENDLY}"\nDEVICENAME   /dev/null:${hexPort}\nLIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so\nCHANNELID    ${hexPort}\n`,
  );
  const socket = join(run, 'pcscd.comm');
  let child: ChildProcess | null = null;
  let log = '';

  const startDaemon = async () => {
    rmSync(socket, { force: true });
    rmSync(join(run, 'pcscd.pid'), { force: true });
    child = spawn(
      'unshare',
      ['--mount', '--propagation', 'private', 'sh', '-c', `mount --bind "${run}" /run/pcscd && exec pcscd --foreground -c "${conf}"`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const started = child;
    await waitFor(() => existsSync(socket) || started.exitCode !== null, 5000, 'pcscd socket');
    if (started.exitCode !== null) throw new Error(`pcscd exited: ${log}`);
    // The vpcd driver listens once pcscd has loaded it.
    await waitFor(async () => !(await portFree(port)), 5000, 'vpcd port');
  };

  const stopDaemon = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
    await waitFor(() => portFree(port), 5000, 'vpcd port to close');
  };

  await startDaemon();
  process.env.PCSCLITE_CSOCK_NAME = socket;
  return {
    socket,
    port,
    readers: [`${FRIENDLY} 00 00`, `${FRIENDLY} 00 01`],
    env: { ...process.env, PCSCLITE_CSOCK_NAME: socket },
    startDaemon,
    stopDaemon,
    restart: async () => {
      await stopDaemon();
      await startDaemon();
    },
    stop: async () => {
      await stopDaemon();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Starts CUPS's ippeveprinter, a real IPP Everywhere printer, for tests and the demo. It keeps every
// job's document in its spool directory (-k), so a test can open the PDF it printed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IppCertificatePrinter } from './ipp-printer';

/** Finds a file of the checkout from here, whether running from source or bundled into dist/. */
function checkoutFile(relative: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = resolve(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${relative} not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}
export const ippEngineScript = checkoutFile('native/printer/ipp-engine.sh');
const daemonsScript = checkoutFile('scripts/system-daemons.sh');

export interface RunningIppPrinter {
  uri: string;
  port: number;
  spoolDir: string;
  name: string;
  process: ChildProcess;
  /** Loads (or empties, with 0) the main A4 tray through ippeveprinter's test web form. */
  setPaper(sheets: number): Promise<void>;
  /** Makes each job take this long to "print" (0 for immediately). */
  setPrintDelay(seconds: number): void;
  /** Spooled documents, e.g. 3-<job name>.pdf. */
  spooledPdfs(): string[];
  /** SIGKILL: the printer vanishes as if unplugged. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolvePort(addr.port) : reject(new Error('no port'))));
    });
  });
}

function running(name: string): boolean {
  return spawnSync('pgrep', ['-x', name]).status === 0;
}

/** ippeveprinter registers itself over DNS-SD and will not start without D-Bus and Avahi. */
export function ensureDnsSdDaemons(): void {
  if (running('dbus-daemon') && running('avahi-daemon')) return;
  const r = spawnSync('bash', [daemonsScript], { stdio: 'inherit' });
  if (!running('avahi-daemon')) throw new Error(`avahi-daemon could not be started (${daemonsScript} exited ${r.status})`);
}

export async function startIppEvePrinter(options: { name?: string; spoolDir?: string; port?: number; startTimeoutMs?: number } = {}): Promise<RunningIppPrinter> {
  ensureDnsSdDaemons();
  const port = options.port ?? (await freePort());
  const spoolDir = options.spoolDir ?? mkdtempSync(join(tmpdir(), 'odekake-ipp-'));
  mkdirSync(spoolDir, { recursive: true });
  // A unique DNS-SD name per instance: two printers with one name would make Avahi rename one.
  const name = options.name ?? `OdekakeA4-${port}`;
  // -n 127.0.0.1 is left out on purpose: with it ippeveprinter fails to start (IPv6 listener).
  const child = spawn('ippeveprinter', ['-k', '-c', ippEngineScript, '-p', String(port), '-f', 'application/pdf', '-d', spoolDir, name], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (c: Buffer) => {
    log = (log + c.toString()).slice(-4000);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const uri = `ipp://127.0.0.1:${port}/ipp/print`;
  const probe = new IppCertificatePrinter({ uri, requestTimeoutMs: 1000 });
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`ippeveprinter exited (${child.exitCode}): ${log}`);
      const status = await probe.status();
      if (!status.problems.some((p) => p.code === 'unreachable')) break;
      if (Date.now() > deadline) throw new Error(`ippeveprinter did not answer on ${uri}: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    await probe.close();
  }

  const stop = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      await exited;
    }
  };
  return {
    uri,
    port,
    spoolDir,
    name,
    process: child,
    async setPaper(sheets: number) {
      // Sources 1 (main) and 3 (by-pass-tray) are ippeveprinter's paper trays; an empty one sets
      // media-empty, so the by-pass tray is always reported loaded and only the main tray changes.
      const q = `size1=iso_a4_210x297mm&type1=stationery&level1=${sheets}&size3=iso_a4_210x297mm&type3=stationery&level3=25`;
      const res = await fetch(`http://127.0.0.1:${port}/media?${q}`);
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`media form answered ${res.status}`);
    },
    setPrintDelay(seconds: number) {
      const file = join(spoolDir, 'engine-delay');
      if (seconds > 0) writeFileSync(file, String(seconds));
      else rmSync(file, { force: true });
    },
    spooledPdfs: () => readdirSync(spoolDir).filter((f) => f.endsWith('.pdf')).sort((a, b) => parseInt(a) - parseInt(b)),
    kill: () => stop('SIGKILL'),
    stop: () => stop('SIGTERM'),
  };
}

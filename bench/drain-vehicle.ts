// One vehicle of the drain benchmark, in its own process as on the road: a terminal core on its own
// SQLite file whose outbox is drained to a hub process over mutual TLS. Driven by bench/hub.ts over
// the fork IPC channel:
//   fill  { dataDir, n }                     requests taken through steps 1–3 offline (hub unreachable)
//   open  { dataDir, enrollmentDir, hubUrl } the core opened on its store, sync not started yet
//   drain { profileName? }                   sync started; answers when the outbox is empty
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { KeyFileProvider } from '../electron/core/crypto';
import { loadFeeTable } from '../electron/core/fees';
import { HttpsHubTransport, loadEnrollment, type HubTransport } from '../electron/core/hub-transport';
import { TerminalCore } from '../electron/core/terminal';
import { feesFile, juminhyoRequest, staffFile } from '../test/support/fixtures';

export type VehicleCommand =
  | { cmd: 'fill'; dataDir: string; n: number }
  | { cmd: 'open'; dataDir: string; enrollmentDir: string; hubUrl: string }
  | { cmd: 'drain'; profileName?: string };

export interface FillResult {
  ids: string[];
  ms: number;
}

export interface DrainResult {
  ms: number;
  deliverMs: number[];
  batchSizes: number[];
  batchBytes: number[];
  setAside: number;
  left: number;
  /** CPU time of this process during the drain (user + system). */
  cpuMs: number;
}

const unreachable = () => Promise.reject(new Error('the hub is offline while the requests are entered'));

function vehicleCore(dataDir: string, transport: HubTransport, printSigningKey: string): TerminalCore {
  const core = new TerminalCore({
    dataDir,
    keys: new KeyFileProvider(join(dataDir, 'data.key')),
    fees: loadFeeTable(feesFile),
    place: 'bench-vehicle',
    hub: { transport, printSigningKey, retry: { baseMs: 50, maxMs: 200 } },
  });
  core.staff.seedFromFile(staffFile);
  return core;
}

/** Requests entered as staff and the resident would (create, identity, confirmation); each leaves one outbox message. */
async function fill(dataDir: string, n: number): Promise<FillResult> {
  mkdirSync(dataDir, { recursive: true });
  const offline: HubTransport = { deliver: unreachable, inbox: unreachable, ack: unreachable, listen: unreachable } as unknown as HubTransport;
  const anyKey = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const core = vehicleCore(dataDir, offline, anyKey);
  const t0 = performance.now();
  const ids: string[] = [];
  // Setup only, not measured: 500 requests per commit instead of three commits each (fsync-bound).
  for (let done = 0; done < n; ) {
    const chunk = Math.min(500, n - done);
    core.db.transaction(() => {
      for (let i = 0; i < chunk; i++) {
        const { id } = core.requests.create(juminhyoRequest(), 'S0001');
        core.requests.checkIdentity(id, { documents: [{ kind: 'drivers_license', last4: '1234' }] }, 'S0001');
        core.requests.confirmByResident(id);
        ids.push(id);
      }
    })();
    done += chunk;
  }
  const ms = performance.now() - t0;
  const queued = core.db.prepare('SELECT COUNT(*) FROM outbox WHERE rejected_at IS NULL').pluck().get() as number;
  if (queued !== n) throw new Error(`expected ${n} queued messages, found ${queued}`);
  await core.close();
  return { ids, ms };
}

async function profiled<T>(name: string | undefined, fn: () => Promise<T>): Promise<T> {
  const dir = process.env.ODEKAKE_BENCH_PROFILE;
  if (!dir || !name) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

interface Opened {
  core: TerminalCore;
  close(): void;
  stats: { deliverMs: number[]; batchSizes: number[]; batchBytes: number[] };
}
let opened: Opened | null = null;

function open(c: Extract<VehicleCommand, { cmd: 'open' }>): Opened {
  const creds = loadEnrollment(c.enrollmentDir, c.hubUrl);
  const inner = new HttpsHubTransport(creds, 60_000);
  const stats = { deliverMs: [] as number[], batchSizes: [] as number[], batchBytes: [] as number[] };
  // The real transport with its deliver calls timed; everything else is its own.
  const transport = Object.create(inner) as HttpsHubTransport;
  transport.deliver = async (messages) => {
    stats.batchBytes.push(Buffer.byteLength(JSON.stringify({ messages })));
    const t0 = performance.now();
    try {
      return await inner.deliver(messages);
    } finally {
      stats.deliverMs.push(performance.now() - t0);
      stats.batchSizes.push(messages.length);
    }
  };
  const core = vehicleCore(c.dataDir, transport, creds.printSigningKey);
  return { core, stats, close: () => inner.close() };
}

async function drain(c: Extract<VehicleCommand, { cmd: 'drain' }>): Promise<DrainResult> {
  if (!opened) throw new Error('drain before open');
  const { core, stats } = opened;
  const left = core.db.prepare('SELECT COUNT(*) FROM outbox WHERE rejected_at IS NULL').pluck();
  try {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await profiled(c.profileName, async () => {
      // The core already tells its screens how many requests wait after every delivered batch: the drain
      // is over when that says none, so the benchmark adds no queries of its own.
      const emptied = new Promise<void>((resolve) => {
        const off = core.onEvent((name, payload) => {
          if (name === 'relayChanged' && (payload as { waiting: number }).waiting === 0) {
            off();
            resolve();
          }
        });
      });
      core.sync!.start();
      await emptied;
    });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    await core.sync!.stop();
    return {
      ms,
      ...stats,
      setAside: core.outbox.setAside().length,
      left: left.get() as number,
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
  } finally {
    await core.close();
    opened.close();
    opened = null;
  }
}

process.on('message', (c: VehicleCommand) => {
  const work =
    c.cmd === 'fill'
      ? fill(c.dataDir, c.n)
      : c.cmd === 'open'
        ? Promise.resolve().then(() => {
            opened = open(c);
            return null;
          })
        : drain(c);
  work.then(
    (result) => process.send!({ ok: true, result }),
    (e: unknown) => process.send!({ ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) }),
  );
});

// City-hall hub benchmarks (issues 4 and 10), each hub a process of its own started through the CLI:
// (1) drain of 10,000 outbox messages after reconnect on SQLite and PostgreSQL (one and two hub
// processes), each beside PouchDB replicating as many documents in the same run; (2) operator
// approval to the first byte at a vehicle's printer and (3) hub RSS per process, with 1,000 vehicles
// connected across the processes. Prints one table with each figure beside its target.
//   npm run bench:hub                               (everything)
//   node --import tsx bench/hub.ts drain            (parts: drain | drain-sqlite | drain-postgres | approve | rss)
// ODEKAKE_BENCH_PROFILE=<dir> writes CPU profiles of the vehicle and hub processes and adds where their time went.
import { fork, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { WebSocket } from 'ws';
import { KeyFileProvider } from '../electron/core/crypto';
import { loadFeeTable } from '../electron/core/fees';
import { HttpsHubTransport, loadEnrollment, type HubTransport } from '../electron/core/hub-transport';
import { TerminalCore } from '../electron/core/terminal';
import { enrollVehicle, initHub } from '../hub/server';
import { openHubStore } from '../hub/server/data-dir';
import { readHubKeys } from '../hub/server/data-dir';
import { receiptProfiles } from '../native/printer/config';
import { EscposEmulator } from '../native/printer/escpos-emulator';
import { EscposReceiptPrinter } from '../native/printer/escpos-printer';
import { IppCertificatePrinter } from '../native/printer/ipp-printer';
import { feesFile, juminhyoRequest, projectRoot, staffFile, tempDir } from '../test/support/fixtures';
import { adminCredentials, operatorClient, readEnrollment, type VehicleTls } from '../test/support/hub';
import { startHubProcess, type HubProcess } from '../test/support/hub-process';
import { startTestIppPrinter } from '../test/support/ippeveprinter';
import { startPostgresCluster, type PostgresCluster } from '../test/support/postgres-cluster';
import type { DrainResult, FillResult, VehicleCommand } from './drain-vehicle';
import { pouchdbReplication } from './pouchdb-reference';

const parts = process.argv.slice(2);
const want = (p: string) => parts.length === 0 || parts.includes(p);

type Row = [what: string, measured: string, target: string, verdict: string];
const rows: Row[] = [];
const notes: string[] = [];
const row = (what: string, measured: string, target = '', verdict: boolean | null = null) =>
  rows.push([what, measured, target, verdict === null ? '' : verdict ? 'ok' : 'MISSED']);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const quantile = (xs: number[], q: number) => sorted(xs)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)]!;
const median = (xs: number[]) => quantile(xs, 0.5);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stops the vehicle's sync first and lets a cycle in flight finish before its database closes. */
async function closeCore(core: TerminalCore | null): Promise<void> {
  if (!core) return;
  core.sync?.stop();
  await sleep(500);
  await core.close();
}

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, everyMs = 2): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function vehicleCore(dataDir: string, transport: HubTransport, printSigningKey: string, printers?: ConstructorParameters<typeof TerminalCore>[0]['printers']): TerminalCore {
  const core = new TerminalCore({
    dataDir,
    keys: new KeyFileProvider(join(dataDir, 'data.key')),
    fees: loadFeeTable(feesFile),
    place: 'bench-vehicle',
    ...(printers ? { printers } : {}),
    hub: { transport, printSigningKey, retry: { baseMs: 50, maxMs: 200 } },
  });
  core.staff.seedFromFile(staffFile);
  return core;
}

/** Requests taken through steps 1–3 in-process, as staff and the resident would: each leaves one outbox message. */
function queueRequests(core: TerminalCore, n: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { id } = core.requests.create(juminhyoRequest(), 'S0001');
    core.requests.checkIdentity(id, { documents: [{ kind: 'drivers_license', last4: '1234' }] }, 'S0001');
    core.requests.confirmByResident(id);
    ids.push(id);
  }
  return ids;
}

/**
 * The real transport, with its deliver calls timed (so the drain splits into network + hub and vehicle)
 * and the arrival of pushed print jobs noted. Everything else is the transport's own.
 */
function timedTransport(inner: HttpsHubTransport) {
  const stats = { deliverMs: [] as number[], batchSizes: [] as number[], pushedAt: new Map<string, number>(), listening: false };
  const transport = Object.create(inner) as HttpsHubTransport;
  transport.deliver = async (messages) => {
    const t0 = performance.now();
    try {
      return await inner.deliver(messages);
    } finally {
      stats.deliverMs.push(performance.now() - t0);
      stats.batchSizes.push(messages.length);
    }
  };
  transport.listen = async (onMessage, onClose, after) => {
    const socket = await inner.listen(
      (envelope) => {
        const body = envelope.body as { type?: string; requestId?: string };
        if (body.type === 'print_job' && body.requestId) stats.pushedAt.set(body.requestId, performance.now());
        onMessage(envelope);
      },
      () => {
        stats.listening = false;
        onClose();
      },
      after,
    );
    stats.listening = true;
    return socket;
  };
  return { transport, stats, close: () => inner.close() };
}

// ---------------------------------------------------------------------------------------------
// (1) 10,000 queued outbox messages drained after the hub comes back, each store beside PouchDB.

/** A drain configuration: which store, how many hub processes, and how the messages are split among vehicles. */
interface DrainSetup {
  name: string;
  store: 'sqlite' | 'postgres';
  /** Messages per vehicle; vehicle i talks to hub process i % processes, all at the same time. */
  vehicles: number[];
  processes: number;
}

/** A vehicle process (bench/drain-vehicle.ts) driven over the fork IPC channel. */
function vehicleProcess(): { call<T>(c: VehicleCommand): Promise<T>; stop(): void } {
  const child = fork(fileURLToPath(new URL('./drain-vehicle.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ODEKAKE_LOG_LEVEL: 'silent' },
  });
  return {
    call<T>(c: VehicleCommand) {
      return new Promise<T>((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`vehicle process exited (${code}) during ${c.cmd}`));
        child.once('exit', onExit);
        child.once('message', (m: { ok: boolean; result?: T; error?: string }) => {
          child.off('exit', onExit);
          if (m.ok) resolve(m.result as T);
          else reject(new Error(m.error));
        });
        child.send(c);
      });
    },
    stop: () => child.kill(),
  };
}

/**
 * CPU time (user + system) of a PostgreSQL cluster so far: the postmaster, its live children and the
 * children it has reaped (backends come and go with connections).
 */
async function postgresCpuMs(adminUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const stat = (pid: number | string) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  let postmaster: number;
  try {
    // The backend serving this connection is a child of the postmaster (read while it is alive).
    const backend = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    postmaster = Number(stat(backend)[1]);
  } finally {
    await client.end();
  }
  const own = stat(postmaster);
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const f = stat(pid);
      if (Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // Gone between the listing and the read: its time is in the postmaster's reaped children.
    }
  }
  return (ticks * 1000) / 100;
}

/** The hub's own record of what arrived: every request id, to check exactly once. */
async function requestIdsAtHub(hubData: string, db: string | undefined): Promise<string[]> {
  if (!db) {
    const file = new Database(join(hubData, 'hub.sqlite3'), { readonly: true });
    try {
      return file.prepare('SELECT id FROM requests').pluck().all() as string[];
    } finally {
      file.close();
    }
  }
  const client = new pg.Client({ connectionString: db });
  await client.connect();
  try {
    return (await client.query<{ id: string }>('SELECT id FROM requests')).rows.map((r) => r.id);
  } finally {
    await client.end();
  }
}

async function cliSupportsDb(): Promise<boolean> {
  const r = spawnSync(process.execPath, [join(projectRoot, 'dist', 'cli.js'), 'hub', 'start', '--help'], { encoding: 'utf8' });
  return r.stdout.includes('--db');
}

/** Samples of a CPU profile, in ms, whose stack holds a frame the predicate picks (each sample counted once). */
function inclusiveMs(profileFile: string, picks: Record<string, (f: { functionName: string; url: string }) => boolean>): Record<string, number> {
  type Node = { id: number; callFrame: { functionName: string; url: string }; children?: number[] };
  const p = JSON.parse(readFileSync(profileFile, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const parent = new Map<number, number>();
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const out: Record<string, number> = Object.fromEntries(Object.keys(picks).map((k) => [k, 0]));
  p.samples.forEach((leaf, i) => {
    const ms = (p.timeDeltas[i + 1] ?? 0) / 1000;
    const hit = new Set<string>();
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      // Loading modules is the process starting, not the work measured.
      if (frame.url.includes('internal/modules')) return;
      for (const [k, pick] of Object.entries(picks)) if (pick(frame)) hit.add(k);
    }
    for (const k of hit) out[k]! += ms;
  });
  return out;
}

const frameIn = (file: string, fn?: string) => (f: { functionName: string; url: string }) => f.url.includes(file) && (fn === undefined || f.functionName === fn);
const busy = (f: { functionName: string }) => !['(idle)', '(root)', '(program)'].includes(f.functionName);

/** Which filled outbox a vehicle of a setup starts from: vehicles of one setup never share requests. */
const templateKey = (count: number, slot: number) => `${count}#${slot}`;

async function drainRow(setup: DrainSetup, templates: Map<string, { dir: string; ids: string[] }>, postgresAdmin: string | null): Promise<void> {
  const n = sum(setup.vehicles);
  const tmp = tempDir('odekake-bench-drain-');
  const hubData = join(tmp.dir, 'hub');
  const hubs: HubProcess[] = [];
  const vehicles: ReturnType<typeof vehicleProcess>[] = [];
  const profileDir = process.env.ODEKAKE_BENCH_PROFILE;
  let db: string | undefined;
  try {
    if (setup.store === 'postgres') db = await createDatabase(postgresAdmin!, `bench_${setup.name.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}`);
    const dbOption = db ? { db } : {};
    await initHub({ dataDir: hubData, adminId: adminCredentials.operatorId, adminPassword: adminCredentials.password, ...dbOption });
    const ports = await Promise.all(Array.from({ length: setup.processes }, () => freePort()));
    const enrolled: string[] = [];
    for (const [i] of setup.vehicles.entries()) {
      const outDir = join(tmp.dir, `enrollment-${i}`);
      await enrollVehicle({ dataDir: hubData, vehicleId: `bench-drain-${i}`, outDir, hubUrl: null, actor: 'bench', ...dbOption });
      enrolled.push(outDir);
    }
    for (const [i, port] of ports.entries()) {
      const execArgv = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=drain-${setup.name}-hub-${i}.cpuprofile`] : [];
      hubs.push(await startHubProcess(hubData, port, { ...dbOption, execArgv }));
    }
    // Each vehicle starts from a copy of the same offline-filled store, so every row drains the same messages.
    const expected: string[] = [];
    for (const [i, count] of setup.vehicles.entries()) {
      const template = templates.get(templateKey(count, i))!;
      const dataDir = join(tmp.dir, `vehicle-${i}`);
      cpSync(template.dir, dataDir, { recursive: true });
      expected.push(...template.ids);
      const v = vehicleProcess();
      vehicles.push(v);
      await v.call({ cmd: 'open', dataDir, enrollmentDir: enrolled[i]!, hubUrl: hubs[i % hubs.length]!.url });
    }
    const hubCpu0 = hubs.map((h) => cpuMsOf(h.proc.pid!));
    const pgCpu0 = postgresAdmin && setup.store === 'postgres' ? await postgresCpuMs(postgresAdmin) : null;
    const t0 = performance.now();
    const results = await Promise.all(
      vehicles.map((v, i) => v.call<DrainResult>({ cmd: 'drain', ...(profileDir ? { profileName: `drain-${setup.name}-vehicle-${i}` } : {}) })),
    );
    const drainMs = performance.now() - t0;
    const hubCpuMs = sum(hubs.map((h, i) => cpuMsOf(h.proc.pid!) - hubCpu0[i]!));
    const pgCpuMs = pgCpu0 === null ? null : (await postgresCpuMs(postgresAdmin!)) - pgCpu0;
    for (const h of hubs) await h.stop();
    hubs.length = 0;

    // Exactly once: the hub holds each request once, no vehicle has any left or set aside.
    const atHub = await requestIdsAtHub(hubData, db);
    const distinct = new Set(atHub);
    const setAside = sum(results.map((r) => r.setAside));
    const left = sum(results.map((r) => r.left));
    if (atHub.length !== n || distinct.size !== n || !expected.every((id) => distinct.has(id)) || setAside !== 0 || left !== 0) {
      throw new Error(`drain was not exactly once: hub has ${atHub.length} (${distinct.size} distinct), set aside ${setAside}, left ${left}`);
    }
    // The reference right after, in the same run, so both see the same machine load.
    const pouch = await pouchdbReplication(n);
    const rate = n / (drainMs / 1000);
    const ratio = rate / pouch.docsPerSecond;
    const split = setup.vehicles.length === 1 ? `1 vehicle × ${n}` : `${setup.vehicles.length} vehicles × ${setup.vehicles[0]}, one per process, at the same time`;
    row(
      `drain ${n}: ${setup.store === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, ${setup.processes} hub process${setup.processes > 1 ? 'es' : ''} (${split})`,
      `${rate.toFixed(0)} msg/s (${(drainMs / 1000).toFixed(2)} s) = ${ratio.toFixed(2)}× PouchDB (${pouch.docsPerSecond.toFixed(0)} docs/s, ${pouch.docBytes} B docs)`,
      '≥ 3× PouchDB',
      ratio >= 3,
    );
    const sizes = results.flatMap((r) => r.batchSizes);
    const bytes = results.flatMap((r) => r.batchBytes);
    row('  batches (messages / KB per HTTPS call, median)', `${sizes.length} × ${median(sizes)} / ${(median(bytes) / 1024).toFixed(0)} KB`);
    // The vehicle builds and records while the hub applies, so the time awaiting deliver() overlaps the
    // vehicle's own work: each side's busy share of the wall time shows which one the drain waits for.
    const busyShare = (cpuMs: number, processes: number) => `${((cpuMs / processes / drainMs) * 100).toFixed(0)} %`;
    row(
      `  busy share of the drain's wall time, per process: vehicle / hub${pgCpuMs === null ? '' : ' / PostgreSQL server (all its processes)'}`,
      `${busyShare(sum(results.map((r) => r.cpuMs)), results.length)} / ${busyShare(hubCpuMs, setup.processes)}${pgCpuMs === null ? '' : ` / ${busyShare(pgCpuMs, 1)}`}; median deliver() call ${median(results.flatMap((r) => r.deliverMs)).toFixed(1)} ms`,
    );
    row(
      `  CPU per message: vehicle processes / hub processes${pgCpuMs === null ? '' : ' / PostgreSQL server'}`,
      `${((sum(results.map((r) => r.cpuMs)) / n) * 1000).toFixed(0)} µs / ${((hubCpuMs / n) * 1000).toFixed(0)} µs${pgCpuMs === null ? '' : ` / ${((pgCpuMs / n) * 1000).toFixed(0)} µs`} (less load-dependent than wall time)`,
    );
    if (setup.store === 'postgres' && !notes.some((n) => n.startsWith('PostgreSQL drain'))) {
      notes.push(
        'PostgreSQL drain: the hub applies a batch with a few statements (its keys and its requests read at once, then one multi-row insert each for ' +
          'requests, request events, audit records and keys), so the time per message goes mostly to the vehicle and to parsing; two hub processes line up ' +
          "behind the audit chain's lock, held from a batch's audit insert to its commit.",
      );
    }
    row('  exactly once at the hub / set aside on vehicles', `${distinct.size} of ${n} / ${setAside}`);
    if (profileDir) {
      const named = (...names: string[]) => (f: { functionName: string }) => names.includes(f.functionName);
      const pct = (part: number, whole: number) => `${((part / whole) * 100).toFixed(0)} %`;
      for (const [i] of setup.vehicles.entries()) {
        const v = inclusiveMs(join(profileDir, `drain-${setup.name}-vehicle-${i}.cpuprofile`), {
          busy,
          build: named('nextBatch'),
          record: named('recordAnswers'),
          https: frameIn('electron/core/hub-transport.ts'),
          status: named('relayStatus'),
          gc: named('(garbage collector)'),
        });
        row(
          `  vehicle ${i} CPU profile: build batches (read, decrypt, parse) / record answers (delete, audit ×2, step) / HTTPS client / relay status for screens / GC`,
          `${pct(v.build!, v.busy!)} / ${pct(v.record!, v.busy!)} / ${pct(v.https!, v.busy!)} / ${pct(v.status!, v.busy!)} / ${pct(v.gc!, v.busy!)} of ${v.busy!.toFixed(0)} ms busy`,
        );
      }
      for (const [i] of ports.entries()) {
        // The hub runs bundled (dist/), so frames are told apart by function name.
        const h = inclusiveMs(join(profileDir, `drain-${setup.name}-hub-${i}.cpuprofile`), {
          busy,
          validate: named('validated'),
          statements: named('run', 'get', 'all', 'query', 'execute', 'executeQuery'),
          transaction: named('exec', 'transaction'),
          gc: named('(garbage collector)'),
        });
        row(
          `  hub ${i} CPU profile: validate (zod) / SQL statements (driver + query layer) / transactions / GC / rest (HTTP, TLS, JSON, apply logic)`,
          `${pct(h.validate!, h.busy!)} / ${pct(h.statements!, h.busy!)} / ${pct(h.transaction!, h.busy!)} / ${pct(h.gc!, h.busy!)} / ${pct(h.busy! - h.validate! - h.statements! - h.transaction! - h.gc!, h.busy!)} of ${h.busy!.toFixed(0)} ms busy`,
        );
      }
    }
  } finally {
    for (const v of vehicles) v.stop();
    for (const h of hubs) await h.stop();
    tmp.remove();
  }
}

async function drain(n = 10_000): Promise<void> {
  const haveDb = await cliSupportsDb();
  const setups: DrainSetup[] = [
    { name: 'sqlite-1', store: 'sqlite', vehicles: [n], processes: 1 },
    { name: 'postgres-1', store: 'postgres', vehicles: [n], processes: 1 },
    { name: 'postgres-2', store: 'postgres', vehicles: [n / 2, n / 2], processes: 2 },
  ].filter((s) => want(`drain-${s.store}`) || want('drain')) as DrainSetup[];
  const tmp = tempDir('odekake-bench-templates-');
  let cluster: PostgresCluster | null = null;
  try {
    // The outboxes are filled once, offline, and copied for each row.
    const templates = new Map<string, { dir: string; ids: string[] }>();
    const filler = vehicleProcess();
    try {
      for (const key of new Set(setups.flatMap((s) => s.vehicles.map((count, slot) => templateKey(count, slot))))) {
        const count = Number(key.split('#')[0]);
        const dir = join(tmp.dir, `vehicle-${key.replace('#', '-')}`);
        const filled = await filler.call<FillResult>({ cmd: 'fill', dataDir: dir, n: count });
        templates.set(key, { dir, ids: filled.ids });
      }
    } finally {
      filler.stop();
    }
    for (const setup of setups) {
      if (setup.store === 'postgres') {
        if (!haveDb) {
          row(`drain ${n}: PostgreSQL, ${setup.processes} hub process(es)`, 'not run: `odekake hub start` has no --db yet', '≥ 3× PouchDB', false);
          continue;
        }
        // Real durability (fsync on): what city hall would run.
        cluster ??= await startPostgresCluster();
      }
      try {
        await drainRow(setup, templates, cluster?.adminUrl ?? null);
      } catch (e) {
        row(`drain ${setup.name}: FAILED`, (e as Error).message.slice(0, 200), '', false);
      }
    }
  } finally {
    await cluster?.stop();
    tmp.remove();
  }
}

// ---------------------------------------------------------------------------------------------
// (2) Operator approves → first byte at the vehicle's A4 printer.

/** A TCP relay in front of the printer that notes when each byte-carrying chunk arrives from the vehicle. */
async function firstByteRelay(targetPort: number): Promise<{ port: number; arrivals: number[]; close(): Promise<void> }> {
  const arrivals: number[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => {
      arrivals.push(performance.now());
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    arrivals,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// (2) and (3): the fleet connected, hub RSS per process, approvals to the first printed byte.

/**
 * Certificates come from the openssl CLI (three processes each), so the fleet is issued once into a
 * folder under the temp directory and reused by later runs; the hub's data directory lives there too.
 */
async function fleetOf(count: number, budgetMs: number): Promise<{ hubData: string; vehicles: VehicleTls[]; issuedNow: number; issueMs: number }> {
  const dir = process.env.ODEKAKE_BENCH_FLEET_DIR ?? join(tmpdir(), `odekake-bench-fleet-${count}`);
  const hubData = join(dir, 'hub');
  if (!existsSync(join(hubData, 'hub.sqlite3'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await initHub({ dataDir: hubData, adminId: adminCredentials.operatorId, adminPassword: adminCredentials.password });
  }
  const listFile = join(dir, 'fleet.json');
  const done: string[] = existsSync(listFile) ? (JSON.parse(readFileSync(listFile, 'utf8')) as string[]) : [];
  const t0 = performance.now();
  let issuedNow = 0;
  for (let i = done.length; i < count && performance.now() - t0 < budgetMs; i++) {
    const vehicleId = `fleet-${String(i).padStart(4, '0')}`;
    const out = join(dir, vehicleId);
    await enrollVehicle({ dataDir: hubData, vehicleId, outDir: out, actor: 'bench' });
    done.push(out);
    issuedNow++;
    writeFileSync(listFile, JSON.stringify(done));
  }
  return { hubData, vehicles: done.map(readEnrollment), issuedNow, issueMs: performance.now() - t0 };
}

/** CPU time (user + system) a process has used so far, from /proc. */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function rssMb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)![1]);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** A database of its own on the benchmark's cluster. */
async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * (2) and (3): the fleet connected across the hub processes (PostgreSQL, two processes, once
 * `hub start --db` exists; SQLite and one process before), each process's RSS, then operator
 * approvals timed to the first byte at one vehicle's A4 printer. The operator signs in on the first
 * process and the printing vehicle is connected to the last, so with two processes every print job
 * crosses from one to the other.
 */
async function fleetParts(count = 1000, approvals = 100): Promise<void> {
  const haveDb = await cliSupportsDb();
  const processes = haveDb ? 2 : 1;
  const storeName = haveDb ? 'PostgreSQL' : 'SQLite';
  const fleet = await fleetOf(count, 900_000);
  if (fleet.issuedNow > 0) row(`  vehicle certificates issued now (openssl CLI)`, `${fleet.issuedNow} in ${(fleet.issueMs / 1000).toFixed(1)} s`);
  else notes.push(`the ${fleet.vehicles.length} vehicle certificates were reused from an earlier run (${fleet.hubData}); delete that folder to issue them again`);
  if (fleet.vehicles.length < count) throw new Error(`only ${fleet.vehicles.length} of ${count} vehicle certificates issued so far; run again to issue the rest`);
  const tmp = tempDir('odekake-bench-fleet-run-');
  const ipp = await startTestIppPrinter();
  const relay = await firstByteRelay(ipp.port);
  const receipts = new EscposEmulator();
  await receipts.start();
  const sockets: WebSocket[] = [];
  const hubs: HubProcess[] = [];
  let cluster: PostgresCluster | null = null;
  let core: TerminalCore | null = null;
  let timed: ReturnType<typeof timedTransport> | null = null;
  try {
    // The issued fleet is copied, so approvals of this run leave the fleet's own store as it was.
    const hubData = join(tmp.dir, 'hub');
    cpSync(fleet.hubData, hubData, { recursive: true });
    let db: string | undefined;
    if (haveDb) {
      cluster = await startPostgresCluster();
      db = await createDatabase(cluster.adminUrl, `bench_fleet_${process.pid}`);
      await seedFleetDatabase(hubData, db, fleet.vehicles);
    }
    const dbOption = db ? { db } : {};
    const enrollment = await enrollVehicle({ dataDir: hubData, vehicleId: 'bench-printer', outDir: join(tmp.dir, 'bench-printer'), hubUrl: null, actor: 'bench', ...dbOption });
    for (let i = 0; i < processes; i++) hubs.push(await startHubProcess(hubData, await freePort(), dbOption));
    await sleep(1000);
    const idle = hubs.map((h) => rssMb(h.proc.pid!));

    const t0 = performance.now();
    // 25 handshakes at a time: a fleet coming back online together, without a SYN flood on loopback.
    for (let i = 0; i < fleet.vehicles.length; i += 25) {
      await Promise.all(
        fleet.vehicles.slice(i, i + 25).map(
          (v, j) =>
            new Promise<void>((resolve, reject) => {
              const hub = hubs[(i + j) % hubs.length]!;
              const ws = new WebSocket(`${hub.url.replace('https', 'wss')}/api/v1/vehicle/ws`, { cert: v.cert, key: v.key, ca: v.ca });
              ws.once('open', () => resolve());
              ws.once('error', reject);
              ws.once('unexpected-response', (_q, res) => reject(new Error(`refused with ${res.statusCode}`)));
              sockets.push(ws);
            }),
        ),
      );
    }
    const connectMs = performance.now() - t0;
    await sleep(3000);
    const open = sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length;
    const loaded = hubs.map((h) => rssMb(h.proc.pid!));
    const where = `${storeName}, ${processes} hub process${processes > 1 ? 'es' : ''}`;
    for (const [i, l] of loaded.entries()) {
      const onIt = Math.ceil((open - i) / processes);
      row(
        `hub process ${i} RSS with ${onIt} vehicles connected (${where})`,
        `${l.rss.toFixed(0)} MB (peak ${l.hwm.toFixed(0)} MB; idle ${idle[i]!.rss.toFixed(0)} MB; ${(((l.rss - idle[i]!.rss) * 1024) / Math.max(1, onIt)).toFixed(0)} KB per vehicle)`,
        '≤ 300 MB',
        l.rss <= 300,
      );
    }
    row(`  ${fleet.vehicles.length} handshakes (25 at a time), open after 3 s`, `${(connectMs / 1000).toFixed(1)} s, ${open} open`);

    const printerHub = hubs.at(-1)!;
    const creds = loadEnrollment(enrollment.dir, printerHub.url);
    timed = timedTransport(new HttpsHubTransport(creds, 10_000));
    const stats = timed.stats;
    core = vehicleCore(join(tmp.dir, 'vehicle'), timed.transport, creds.printSigningKey, {
      certificate: new IppCertificatePrinter({ uri: `ipp://127.0.0.1:${relay.port}/ipp/print`, jobTimeoutMs: 30_000 }),
      receipt: new EscposReceiptPrinter({ host: '127.0.0.1', port: receipts.port, profile: receiptProfiles['kanji-80mm'] }),
    });
    // One warm-up approval (fonts loaded, connections open) that is not counted.
    const ids = queueRequests(core, approvals + 1);
    core.startTimers();
    const step = (id: string) => core!.requests.summary(id).step;
    await until('all requests relayed', () => ids.every((id) => step(id) === 'relayed'), 120_000, 20);
    await until('the push channel', () => stats.listening, 20_000, 10);

    const operator = operatorClient(hubs[0]!.url, readHubKeys(hubData).caCert);
    if ((await operator.signIn(adminCredentials.operatorId, adminCredentials.password)).status !== 200) throw new Error('operator sign-in failed');

    const firstByte: number[] = [];
    const pushed: number[] = [];
    const answered: number[] = [];
    for (const [i, id] of ids.entries()) {
      const before = relay.arrivals.length;
      const a0 = performance.now();
      const res = await operator.call('POST', `/api/v1/console/requests/${id}/approve`, {});
      const tAnswer = performance.now();
      if (res.status !== 200) throw new Error(`approve answered ${res.status}: ${JSON.stringify(res.body)}`);
      const tByte = await until('the first byte at the printer', () => relay.arrivals[before], 30_000, 1);
      // Wait for the sheet to finish so each approval finds the printer idle.
      await until('printed', () => step(id) === 'printed', 60_000, 5);
      if (i === 0) continue;
      firstByte.push(tByte - a0);
      answered.push(tAnswer - a0);
      pushed.push(stats.pushedAt.get(id)! - a0);
    }
    const p95 = quantile(firstByte, 0.95);
    const path = processes > 1 ? 'operator on process 0, printing vehicle on process 1' : 'one process';
    row(
      `approve → first byte at the printer (${approvals} approvals, ${open} vehicles connected; ${where}; ${path})`,
      `median ${median(firstByte).toFixed(0)} ms, p95 ${p95.toFixed(0)} ms`,
      'p95 ≤ 150 ms',
      p95 <= 150 && open === fleet.vehicles.length,
    );
    row('  approve → operator gets the answer (registry match + PDF render + commit), median / p95', `${median(answered).toFixed(0)} ms / ${quantile(answered, 0.95).toFixed(0)} ms`);
    row('  approve → print job at the vehicle (pushed before the operator\'s answer leaves), median / p95', `${median(pushed).toFixed(0)} ms / ${quantile(pushed, 0.95).toFixed(0)} ms`);
    row('  push → first byte at the printer (verify, record, IPP), median', `${median(firstByte.map((f, i) => f - pushed[i]!)).toFixed(1)} ms`);
    const printed = core.db.prepare("SELECT COUNT(*) FROM print_jobs WHERE kind = 'certificate'").pluck().get() as number;
    row('  certificate print jobs on the vehicle', `${printed} for ${ids.length} approvals`);
  } finally {
    for (const s of sockets) s.terminate();
    await closeCore(core);
    timed?.close();
    for (const h of hubs) await h.stop();
    await cluster?.stop();
    await relay.close();
    await receipts.stop();
    await ipp.dispose();
    tmp.remove();
  }
}

/**
 * The fleet's vehicles and certificates in a fresh PostgreSQL database, with the test admin: the
 * certificates were issued once into the fleet's SQLite hub and are reused (issuing 1,000 takes minutes).
 */
async function seedFleetDatabase(hubData: string, db: string, vehicles: VehicleTls[]): Promise<void> {
  const source = await openHubStore(hubData);
  const target = await openHubStore(hubData, db);
  try {
    const admin = await source.transaction((tx) => tx.getOperator(adminCredentials.operatorId));
    const known = await source.transaction((tx) => tx.listVehicles());
    const certs = await source.transaction(async (tx) => {
      const out = [];
      for (const v of vehicles) {
        const cert = await tx.getVehicleCertificate(new X509Certificate(v.cert).fingerprint256);
        if (!cert) throw new Error('a fleet certificate is missing from the fleet hub');
        out.push(cert);
      }
      return out;
    });
    await target.transaction(async (tx) => {
      await tx.insertOperator(admin!);
      for (const v of known) await tx.insertVehicle(v);
      for (const c of certs) await tx.insertVehicleCertificate(c);
    });
  } finally {
    await source.close();
    await target.close();
  }
}

const startedAt = new Date().toISOString();
// A part that fails is reported in the table and the others still run.
async function part(name: string, fn: () => Promise<void>, wanted = want(name) || parts.some((p) => p.startsWith(`${name}-`))): Promise<void> {
  if (!wanted) return;
  try {
    await fn();
  } catch (e) {
    row(`${name}: FAILED`, (e as Error).message.slice(0, 160), '', false);
  }
}
await part('drain', () => drain());
await part('approve and rss', () => fleetParts(), want('approve') || want('rss'));

const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length), 6));
console.log(`city-hall hub benchmarks (${startedAt}; node ${process.version})`);
for (const r of [['what', 'measured', 'target', ''] as Row, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join(' | '));
for (const n of notes) console.log(`note: ${n}`);
process.exit(0);

// City-hall hub benchmarks (issue 4): outbox drain after reconnect, operator approval to the first
// byte at the vehicle's printer with a fleet connected, and hub memory with 500 vehicles connected.
// Prints one table with each figure beside its target.
//   npm run bench:hub                      (all three)
//   node --import tsx bench/hub.ts drain   (one part: drain | approve | rss)
import { fork, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { WebSocket } from 'ws';
import { CONSOLE_API } from '../protocol/console';
import { KeyFileProvider } from '../electron/core/crypto';
import { loadFeeTable } from '../electron/core/fees';
import { HttpsHubTransport, loadEnrollment, type HubTransport } from '../electron/core/hub-transport';
import { TerminalCore } from '../electron/core/terminal';
import { FixtureRegistry } from '../hub/registry';
import { enrollVehicle, initHub } from '../hub/server';
import { registryCertificates } from '../hub/server/certificate-issuer';
import { readHubKeys } from '../hub/server/data-dir';
import type { CertificateIssuer, ResidentLookup } from '../hub/server/ports';
import { registryLookup } from '../hub/server/registry-lookup';
import { receiptProfiles } from '../native/printer/config';
import { EscposEmulator } from '../native/printer/escpos-emulator';
import { EscposReceiptPrinter } from '../native/printer/escpos-printer';
import { IppCertificatePrinter } from '../native/printer/ipp-printer';
import { feesFile, juminhyoRequest, projectRoot, staffFile, tempDir } from '../test/support/fixtures';
import { adminCredentials, operatorClient, readEnrollment, startTestHub, vehicleClient, type VehicleTls } from '../test/support/hub';
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
  const stats = { deliverMs: [] as number[], batchSizes: [] as number[], pushedAt: new Map<string, number>() };
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
  transport.listen = (onMessage, onClose) =>
    inner.listen((envelope) => {
      const body = envelope.body as { type?: string; requestId?: string };
      if (body.type === 'print_job' && body.requestId) stats.pushedAt.set(body.requestId, performance.now());
      onMessage(envelope);
    }, onClose);
  return { transport, stats, close: () => inner.close() };
}

/** With ODEKAKE_BENCH_PROFILE=<dir>, writes a CPU profile of just the timed part (the drain). */
async function profiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const dir = process.env.ODEKAKE_BENCH_PROFILE;
  if (!dir) return fn();
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
      for (const [k, pick] of Object.entries(picks)) if (pick(frame)) hit.add(k);
    }
    for (const k of hit) out[k]! += ms;
  });
  return out;
}

const frameIn = (file: string, fn?: string) => (f: { functionName: string; url: string }) => f.url.includes(file) && (fn === undefined || f.functionName === fn);
const busy = (f: { functionName: string }) => !['(idle)', '(root)', '(program)'].includes(f.functionName);

async function drainRow(setup: DrainSetup, templates: Map<number, { dir: string; ids: string[] }>, postgresAdmin: string | null): Promise<void> {
  const n = sum(setup.vehicles);
  const tmp = tempDir('odekake-bench-drain-');
  const hubData = join(tmp.dir, 'hub');
  const hubs: HubProcess[] = [];
  const vehicles: ReturnType<typeof vehicleProcess>[] = [];
  const profileDir = process.env.ODEKAKE_BENCH_PROFILE;
  let db: string | undefined;
  try {
    if (setup.store === 'postgres') {
      const name = `bench_${setup.name.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}`;
      const admin = new pg.Client({ connectionString: postgresAdmin! });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(postgresAdmin!);
      url.pathname = `/${name}`;
      db = url.toString();
    }
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
      const template = templates.get(count)!;
      const dataDir = join(tmp.dir, `vehicle-${i}`);
      cpSync(template.dir, dataDir, { recursive: true });
      expected.push(...template.ids);
      const v = vehicleProcess();
      vehicles.push(v);
      await v.call({ cmd: 'open', dataDir, enrollmentDir: enrolled[i]!, hubUrl: hubs[i % hubs.length]!.url });
    }
    const hubCpu0 = hubs.map((h) => cpuMsOf(h.proc.pid!));
    const t0 = performance.now();
    const results = await Promise.all(
      vehicles.map((v, i) => v.call<DrainResult>({ cmd: 'drain', ...(profileDir ? { profileName: `drain-${setup.name}-vehicle-${i}` } : {}) })),
    );
    const drainMs = performance.now() - t0;
    const hubCpuMs = sum(hubs.map((h, i) => cpuMsOf(h.proc.pid!) - hubCpu0[i]!));
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
    const inDeliver = sum(results.map((r) => r.inDeliverMs)) / results.length;
    const vehicleMs = sum(results.map((r) => r.ms)) / results.length;
    const sizes = results.flatMap((r) => r.batchSizes);
    const bytes = results.flatMap((r) => r.batchBytes);
    row('  batches (messages / KB per HTTPS call, median)', `${sizes.length} × ${median(sizes)} / ${(median(bytes) / 1024).toFixed(0)} KB`);
    row(
      '  per vehicle: awaiting the hub (network + TLS + apply + commit) / vehicle only',
      `${((inDeliver / vehicleMs) * 100).toFixed(0)} % / ${(((vehicleMs - inDeliver) / vehicleMs) * 100).toFixed(0)} %; median call ${median(results.flatMap((r) => r.deliverMs)).toFixed(1)} ms`,
    );
    row(
      '  CPU per message: vehicle processes / hub processes',
      `${((sum(results.map((r) => r.cpuMs)) / n) * 1000).toFixed(0)} µs / ${((hubCpuMs / n) * 1000).toFixed(0)} µs (load-independent; wall time is not)`,
    );
    row('  exactly once at the hub / set aside on vehicles', `${distinct.size} of ${n} / ${setAside}`);
    if (profileDir) {
      const named = (...names: string[]) => (f: { functionName: string }) => names.includes(f.functionName);
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
          `  vehicle ${i} CPU (profile): build batch / record answers / HTTPS client / relay status for screens / GC`,
          `${v.busy!.toFixed(0)} ms busy: ${v.build!.toFixed(0)} / ${v.record!.toFixed(0)} / ${v.https!.toFixed(0)} / ${v.status!.toFixed(0)} / ${v.gc!.toFixed(0)} ms`,
        );
      }
      for (const [i] of ports.entries()) {
        // The hub runs bundled (dist/), so frames are told apart by function name.
        const h = inclusiveMs(join(profileDir, `drain-${setup.name}-hub-${i}.cpuprofile`), {
          busy,
          validate: named('validated'),
          apply: named('applyOnce'),
          statements: named('run', 'get', 'all', 'query', 'execute'),
          transaction: named('exec'),
          gc: named('(garbage collector)'),
        });
        row(
          `  hub process ${i} CPU (profile, whole process life incl. start-up): validate / apply / SQL statements / BEGIN-COMMIT-SAVEPOINT / GC`,
          `${h.busy!.toFixed(0)} ms busy: ${h.validate!.toFixed(0)} / ${h.apply!.toFixed(0)} / ${h.statements!.toFixed(0)} / ${h.transaction!.toFixed(0)} / ${h.gc!.toFixed(0)} ms`,
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
    const templates = new Map<number, { dir: string; ids: string[] }>();
    const filler = vehicleProcess();
    try {
      for (const count of new Set(setups.flatMap((s) => s.vehicles))) {
        const dir = join(tmp.dir, `vehicle-${count}`);
        const filled = await filler.call<FillResult>({ cmd: 'fill', dataDir: dir, n: count });
        templates.set(count, { dir, ids: filled.ids });
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
// (2) Operator approves → first byte at the vehicle's A4 printer, with 50 other vehicles connected.

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

async function approveToPrinter(fleet = 50, approvals = 100): Promise<void> {
  const tmp = tempDir('odekake-bench-approve-');
  const hubData = join(tmp.dir, 'hub');
  const ipp = await startTestIppPrinter();
  const relay = await firstByteRelay(ipp.port);
  const receipts = new EscposEmulator();
  await receipts.start();
  const sockets: WebSocket[] = [];
  let hub: Awaited<ReturnType<typeof startTestHub>> | null = null;
  let core: TerminalCore | null = null;
  let timed: ReturnType<typeof timedTransport> | null = null;
  try {
    await initHub({ dataDir: hubData, adminId: adminCredentials.operatorId, adminPassword: adminCredentials.password });
    // The stand-in registry and the real PDF renderer, each timed where the hub calls it.
    const city = await FixtureRegistry.load();
    const lookup = registryLookup(city);
    const issuer = registryCertificates(city, { verificationKey: readHubKeys(hubData).verificationKey });
    const matchMs: number[] = [];
    const renderMs: number[] = [];
    const registry: ResidentLookup = {
      async match(subject) {
        const t = performance.now();
        try {
          return await lookup.match(subject);
        } finally {
          matchMs.push(performance.now() - t);
        }
      },
    };
    const certificates: CertificateIssuer = {
      async render(order) {
        const t = performance.now();
        try {
          return await issuer.render(order);
        } finally {
          renderMs.push(performance.now() - t);
        }
      },
    };
    hub = await startTestHub({ dataDir: hubData, registry, certificates });
    const url = hub.hub.url;

    for (let i = 0; i < fleet; i++) {
      const v = await hub.enroll(`fleet-${String(i).padStart(3, '0')}`);
      sockets.push((await vehicleClient(url, v).socket(0)).ws);
    }

    const enrollment = await hub.enroll('bench-printer');
    const creds = loadEnrollment(enrollment.dir, url);
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
    await until('all requests relayed', () => ids.every((id) => step(id) === 'relayed'), 60_000, 20);
    await until('the push channel', () => hub!.hub.push.connectedVehicles().length === fleet + 1, 10_000, 10);

    const operator = operatorClient(url, hub.hub.caCert);
    if ((await operator.signIn(adminCredentials.operatorId, adminCredentials.password)).status !== 200) throw new Error('operator sign-in failed');

    const firstByte: number[] = [];
    const pushed: number[] = [];
    const answered: number[] = [];
    await profiled('approve', async () => {
    for (const [i, id] of ids.entries()) {
      const before = relay.arrivals.length;
      const t0 = performance.now();
      const res = await operator.call('POST', `/api/v1/console/requests/${id}/approve`, {});
      const tAnswer = performance.now();
      if (res.status !== 200) throw new Error(`approve answered ${res.status}: ${JSON.stringify(res.body)}`);
      const tByte = await until('the first byte at the printer', () => relay.arrivals[before], 30_000, 1);
      // Wait for the sheet to finish so each approval finds the printer idle.
      await until('printed', () => step(id) === 'printed', 60_000, 5);
      if (i === 0) continue;
      firstByte.push(tByte - t0);
      answered.push(tAnswer - t0);
      pushed.push(stats.pushedAt.get(id)! - t0);
    }
    });
    const p95 = quantile(firstByte, 0.95);
    row(`approve → first byte at the printer (${approvals} approvals, ${fleet} other vehicles connected)`, `median ${median(firstByte).toFixed(0)} ms, p95 ${p95.toFixed(0)} ms`, 'p95 ≤ 150 ms', p95 <= 150);
    const warm = (xs: number[]) => xs.slice(1);
    row('  hub: registry match (median)', `${median(warm(matchMs)).toFixed(1)} ms`);
    row('  hub: certificate PDF render (median / p95)', `${median(warm(renderMs)).toFixed(0)} ms / ${quantile(warm(renderMs), 0.95).toFixed(0)} ms`);
    row('  approve → print job pushed to the vehicle (median)', `${median(pushed).toFixed(0)} ms`);
    row('  push → first byte at the printer (median)', `${median(firstByte.map((f, i) => f - pushed[i]!)).toFixed(1)} ms`);
    row('  approve → operator gets the answer (median)', `${median(answered).toFixed(0)} ms`);
    const printed = core.db.prepare("SELECT COUNT(*) FROM print_jobs WHERE kind = 'certificate'").pluck().get() as number;
    row('  certificate print jobs on the vehicle', `${printed} for ${ids.length} approvals`);
  } finally {
    for (const s of sockets) s.terminate();
    await closeCore(core);
    timed?.close();
    await hub?.stop();
    await relay.close();
    await receipts.stop();
    await ipp.dispose();
    tmp.remove();
  }
}

// ---------------------------------------------------------------------------------------------
// (3) Hub RSS with 500 vehicles holding their WebSockets open.

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

async function hubMemory(count = 500): Promise<void> {
  const cli = join(projectRoot, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run `node scripts/build.mjs` first (npm run bench:hub does)');
  const fleet = await fleetOf(count, 300_000);
  if (fleet.issuedNow > 0) row(`  vehicle certificates issued now (openssl CLI)`, `${fleet.issuedNow} in ${(fleet.issueMs / 1000).toFixed(1)} s`);
  else notes.push(`the ${fleet.vehicles.length} vehicle certificates were reused from an earlier run (${fleet.hubData}); delete that folder to issue them again`);
  // The hub as deployed: its own process, started by the CLI, with the stand-in registry and the console.
  const proc = spawn(process.execPath, [cli, 'hub', 'start', '--data', fleet.hubData, '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const sockets: WebSocket[] = [];
  try {
    const ready = JSON.parse(await new Promise<string>((resolve, reject) => {
      createInterface({ input: proc.stdout! }).once('line', resolve);
      proc.once('exit', (code) => reject(new Error(`hub exited with ${code}`)));
    })) as { url: string };
    await sleep(1000);
    const idle = rssMb(proc.pid!);
    const wsUrl = `${ready.url.replace('https', 'wss')}/api/v1/vehicle/ws`;
    const t0 = performance.now();
    // 25 handshakes at a time: a fleet coming back online together, without a SYN flood on loopback.
    for (let i = 0; i < fleet.vehicles.length; i += 25) {
      await Promise.all(
        fleet.vehicles.slice(i, i + 25).map(
          (v) =>
            new Promise<void>((resolve, reject) => {
              const ws = new WebSocket(wsUrl, { cert: v.cert, key: v.key, ca: v.ca });
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
    const operator = operatorClient(ready.url, readHubKeys(fleet.hubData).caCert);
    if ((await operator.signIn(adminCredentials.operatorId, adminCredentials.password)).status !== 200) throw new Error('admin sign-in failed');
    const listed = await operator.call('GET', CONSOLE_API.vehicles);
    if (listed.status !== 200) throw new Error(`vehicle list answered ${listed.status}`);
    const connected = (listed.body.vehicles as { connected: boolean }[]).filter((v) => v.connected).length;
    const loaded = rssMb(proc.pid!);
    row(`hub RSS with ${connected} vehicles connected (WebSocket over mutual TLS)`, `${loaded.rss.toFixed(0)} MB (peak ${loaded.hwm.toFixed(0)} MB)`, '≤ 300 MB', loaded.rss <= 300 && connected === count);
    row('  hub RSS idle, no vehicle connected', `${idle.rss.toFixed(0)} MB`);
    row('  per connected vehicle', `${(((loaded.rss - idle.rss) * 1024) / Math.max(1, connected)).toFixed(0)} KB`);
    row(`  ${fleet.vehicles.length} handshakes (25 at a time)`, `${(connectMs / 1000).toFixed(1)} s`);
  } finally {
    for (const s of sockets) s.terminate();
    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
  }
}

const startedAt = new Date().toISOString();
// A part that fails is reported in the table and the others still run.
async function part(name: string, fn: () => Promise<void>): Promise<void> {
  if (!want(name) && !parts.some((p) => p.startsWith(`${name}-`))) return;
  try {
    await fn();
  } catch (e) {
    row(`${name}: FAILED`, (e as Error).message.slice(0, 160), '', false);
  }
}
await part('drain', () => drain());
await part('approve', () => approveToPrinter());
await part('rss', () => hubMemory());

const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length), 6));
console.log(`city-hall hub benchmarks (${startedAt}; node ${process.version})`);
for (const r of [['what', 'measured', 'target', ''] as Row, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join(' | '));
for (const n of notes) console.log(`note: ${n}`);
process.exit(0);

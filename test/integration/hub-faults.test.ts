// Faults on real sockets: the vehicle host (its own process) relays 1,000 requests to the hub (its own
// process, started through the CLI) through a proxy that refuses, drops, delays, duplicates and cuts
// connections, while operators approve and reject some; the vehicle and the hub are each killed with
// SIGKILL at random moments and started again on the same data folders. When everything has settled,
// every request is at the hub once, every decision reached the vehicle once, and no certificate was
// printed twice. On PostgreSQL the hub is two processes on one database, the proxy spreading the
// vehicle's connections (and its replayed duplicates) over both, and the kills taking each in turn.
import Database from 'better-sqlite3';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { enrollVehicle, openHubStore, readHubKeys } from '../../hub/server/data-dir';
import type { HubDatabase } from '../../hub/store/schema';
import { EscposEmulator } from '../../native/printer/escpos-emulator';
import { freePort } from '../../native/printer/ippeveprinter';
import { demoStaff, juminhyoRequest, tempDir } from '../support/fixtures';
import { ContractClient, startHostProcess, type HostProcess } from '../support/host';
import { approverCredentials, operatorClient, readEnrollment } from '../support/hub';
import { initHubProcessData, startHubProcess, type HubProcess } from '../support/hub-process';
import { startTestIppPrinter, type TestIppPrinter } from '../support/ippeveprinter';
import { testStore } from '../support/postgres';
import { noFaults, startFaultProxy, type FaultProxy } from '../support/tcp-proxy';

const TOTAL = 1000;
/** Hub processes serving as one hub: several only where they can share a database. */
const HUB_PROCESSES = testStore === 'postgres' ? 2 : 1;
const VEHICLE = 'vehicle-fault-1';
const misbehaving = { dropRate: 0.15, cutRate: 0.5, delayRate: 0.1, maxDelayMs: 40, duplicateRate: 0.5 };

let seed = 41_20_1124;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let tmp: ReturnType<typeof tempDir>;
let ipp: TestIppPrinter;
let emulator: EscposEmulator;
let proxy: FaultProxy;
let proxyTurn = 0;
let hubs: (HubProcess | null)[] = [];
let host: HostProcess | null = null;
let hubDir: string;
let hubPorts: number[];
let vehicleDir: string;
let hostArgs: string[];

beforeAll(async () => {
  tmp = tempDir('odekake-faults-');
  hubDir = join(tmp.dir, 'hub');
  vehicleDir = join(tmp.dir, 'vehicle');
  await initHubProcessData(hubDir);
  hubPorts = [];
  for (let i = 0; i < HUB_PROCESSES; i++) hubPorts.push(await freePort());
  const enrollmentDir = join(tmp.dir, 'enrollment');
  await enrollVehicle({ dataDir: hubDir, vehicleId: VEHICLE, outDir: enrollmentDir, hubUrl: `https://127.0.0.1:${hubPorts[0]}`, actor: 'test' });
  const vehicle = readEnrollment(enrollmentDir);
  const keys = readHubKeys(hubDir);
  proxy = await startFaultProxy({
    // Each connection to the next hub process in turn: a vehicle moves between them as it reconnects.
    target: { port: () => hubPorts[proxyTurn++ % hubPorts.length]! },
    random,
    tls: {
      server: { key: keys.serverKey, cert: keys.serverCert, ca: keys.caCert },
      client: { key: vehicle.key, cert: vehicle.cert, ca: keys.caCert },
    },
  });
  ipp = await startTestIppPrinter();
  emulator = new EscposEmulator();
  await emulator.start();
  const printersFile = join(tmp.dir, 'printers.json');
  writeFileSync(printersFile, JSON.stringify({ certificate: { uri: ipp.uri, jobTimeoutMs: 20_000 }, receipt: { host: '127.0.0.1', port: emulator.port } }));
  hostArgs = ['--place', VEHICLE, '--hub-enrollment', enrollmentDir, '--hub-url', proxy.url, '--printers', printersFile];
  hubs = await Promise.all(hubPorts.map((port) => startHubProcess(hubDir, port)));
}, 60_000);

afterAll(async () => {
  await host?.stop('SIGKILL');
  for (const hub of hubs) await hub?.kill();
  await proxy?.stop();
  await emulator?.stop();
  await ipp?.dispose();
  tmp?.remove();
});

function readVehicle<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(join(vehicleDir, 'terminal.sqlite3'), { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** Reads the hub's database (SQLite or PostgreSQL, as its data folder says) through the store's Kysely. */
async function readHub<T>(fn: (db: Kysely<HubDatabase>) => Promise<T>): Promise<T> {
  const store = await openHubStore(hubDir);
  try {
    return await fn(store.db);
  } finally {
    await store.close();
  }
}

const ids = (db: Database.Database, sql: string, ...params: unknown[]) => new Set(db.prepare(sql).pluck().all(...params) as string[]);

describe('relay through a faulty network with crashes of the vehicle and the hub', () => {
  it('delivers each of 1,000 requests to the hub exactly once, each decision to the vehicle exactly once, and prints no certificate twice', async () => {
    const t0 = Date.now();
    proxy.faults = { ...misbehaving };
    const queued = new Map<string, number>(); // request id → its index, once the vehicle queued it for relay
    const wanted = new Map<string, 'approve' | 'reject'>(); // decisions still to be made at city hall
    const decidedByUs = new Map<string, 'approve' | 'reject'>();
    let vehicleKills = 0;
    let hubKills = 0;
    let hubDown: Promise<void> | null = null;
    const vehicleKillAt = [150, 450, 750].map((n) => n + Math.floor(random() * 100));
    const hubKillAt = [100, 400, 700, 950].map((n) => n + Math.floor(random() * 100));
    let creating = true;
    let tCreated = 0;
    // What every host run logged: the sync loop's retries, read back for the report.
    const hostLogs: string[] = [];
    const syncRetries = () =>
      hostLogs
        .flatMap((log) => log.split('\n'))
        .filter((line) => line.includes('sync with city hall failed'))
        .map((line) => JSON.parse(line) as { retryInMs: number; progressed: boolean });

    // City hall: operators decide on some requests while the vehicle keeps relaying.
    // An operator's console on each process (a session is in the database, so any process honours it);
    // the loop uses whichever process is up.
    const caCert = readHubKeys(hubDir).caCert;
    const operators = hubPorts.map((port) => operatorClient(`https://127.0.0.1:${port}`, caCert));
    let signedIn = false;
    let lastAnswer = 'none';
    const decideLoop = (async () => {
      while (creating || wanted.size > 0) {
        await sleep(150);
        // Once staff stop entering requests nothing kicks the vehicle's sync any more: what is left
        // arrives on its own retries, through a network that still misbehaves.
        if (tCreated && Date.now() - tCreated > 90_000) {
          const longest = Math.max(0, ...syncRetries().map((r) => r.retryInMs));
          const [first] = wanted.keys();
          const outbox = first
            ? readVehicle((db) => db.prepare('SELECT kind, delivered_at AS delivered, rejected_code AS rejected, attempts, last_error AS error FROM outbox WHERE request_id = ?').all(first))
            : [];
          throw new Error(
            `operator decisions did not finish 90 s after the last request: ${wanted.size} left; the first waits on ${first} (last answer ${lastAnswer}; ` +
              `vehicle outbox ${JSON.stringify(outbox)}); longest sync retry so far ${longest} ms; host log tail: ${(host?.log() ?? '').slice(-1500)}`,
          );
        }
        const up = hubs.findIndex((h) => h !== null);
        if (up < 0) continue;
        const operator = operators[up]!;
        for (const [id, what] of [...wanted]) {
          try {
            if (!signedIn) {
              const s = await operator.signIn(approverCredentials.operatorId, approverCredentials.password);
              if (s.status !== 200) throw new Error(`sign-in ${s.status}`);
              signedIn = true;
            }
            const res =
              what === 'approve'
                ? await operator.call('POST', `/api/v1/console/requests/${id}/approve`, {})
                : await operator.call('POST', `/api/v1/console/requests/${id}/reject`, { reason: '本人確認書類の写りが不鮮明です。' });
            lastAnswer = `${res.status} ${String(res.body?.code ?? '')}`;
            if (res.status === 200 || (res.status === 409 && res.body.code === 'NOT_PENDING')) {
              // 409: an earlier try was applied but its answer was lost when the hub was killed.
              wanted.delete(id);
              decidedByUs.set(id, what);
            } else if (res.status === 401) signedIn = false;
            else if (res.status !== 404) throw new Error(`${what} ${id}: ${res.status} ${JSON.stringify(res.body)}`);
            else break; // not relayed yet: later ones are not either
          } catch (e) {
            lastAnswer = e instanceof Error ? e.message.slice(0, 120) : String(e);
            if (e instanceof Error && /^(approve|reject|sign-in)/.test(e.message)) throw e;
            break; // the hub is down: try again after it is back
          }
        }
      }
    })();

    // The VPN tunnel goes down now and then, taking every open connection with it (keep-alive
    // connections and the push socket would otherwise live through the whole run).
    const flapLoop = (async () => {
      while (creating) {
        await sleep(300 + random() * 1_200);
        if (creating) proxy.cutAll();
      }
    })();

    const killHub = () => {
      const which = hubKills % hubs.length;
      const victim = hubs[which];
      if (!victim || hubDown) return;
      hubKills++;
      hubDown = (async () => {
        await sleep(random() * 400);
        await victim.kill();
        hubs[which] = null;
        await sleep(200 + random() * 800);
        hubs[which] = await startHubProcess(hubDir, hubPorts[which]!);
      })().finally(() => {
        hubDown = null;
      });
    };

    // The vehicle: staff enter requests through the host's contract; the host is killed now and then.
    while (queued.size < TOTAL) {
      host = await startHostProcess(vehicleDir, hostArgs);
      const staff = await ContractClient.connect(host.port, host.tokens.staff);
      const resident = await ContractClient.connect(host.port, host.tokens.resident);
      expect((await staff.call('signIn', demoStaff)).ok).toBe(true);
      let killed = false;
      const victim = host;
      const killVehicle = () => {
        if (killed) return;
        killed = true;
        vehicleKills++;
        setTimeout(() => victim.proc.kill('SIGKILL'), random() * 300);
      };
      while (queued.size < TOTAL) {
        const i = queued.size;
        if (vehicleKillAt[vehicleKills] !== undefined && i >= vehicleKillAt[vehicleKills]!) killVehicle();
        if (hubKillAt[hubKills] !== undefined && i >= hubKillAt[hubKills]!) killHub();
        const created = await staff.call('createRequest', juminhyoRequest());
        if (!created.ok) break;
        const id = created.value.id as string;
        const steps = [
          () => staff.call('checkIdentity', { id, identity: { documents: [{ kind: 'drivers_license', last4: '1234' }] } }),
          () => staff.call('showToResident', { id }),
          () => resident.call('confirmAsResident', { requestId: id }),
        ];
        let done = true;
        for (const step of steps) {
          const r = await step();
          if (!r.ok) {
            if (r.error?.code !== 'DISCONNECTED') throw new Error(`${r.error?.code}: ${r.error?.message}`);
            done = false;
            break;
          }
        }
        if (!done) break;
        queued.set(id, i);
        if (i % 25 === 7) wanted.set(id, 'approve');
        else if (i % 50 === 13) wanted.set(id, 'reject');
      }
      staff.close();
      resident.close();
      await host.stop(killed ? 'SIGKILL' : 'SIGTERM');
      hostLogs.push(host.log());
      host = null;
      if (queued.size >= TOTAL) break;
      expect(killed, 'the host stopped answering without being killed').toBe(true);
    }
    tCreated = Date.now();
    // The host runs again while the last hub kills happen and the operators finish.
    host = await startHostProcess(vehicleDir, hostArgs);
    while (hubKillAt[hubKills] !== undefined) {
      await hubDown;
      killHub();
    }
    await hubDown;
    creating = false;
    await flapLoop;
    await decideLoop;
    const tDecided = Date.now();
    // The network calms down; the vehicle is killed once more while it catches up (pulling and
    // printing), and started again: everything still in flight must now arrive.
    proxy.faults = { ...noFaults };
    await sleep(random() * 1_500);
    await host.stop('SIGKILL');
    hostLogs.push(host.log());
    vehicleKills++;
    host = await startHostProcess(vehicleDir, hostArgs);

    const settled = async () => {
      const vehicle = readVehicle((db) => ({
        queued: ids(db, "SELECT DISTINCT request_id FROM audit_log WHERE action = 'relay.queued'"),
        appliedSeq: (db.prepare('SELECT MAX(seq) FROM hub_inbox_applied').pluck().get() as number | null) ?? 0,
        unsentPrints: db.prepare("SELECT COUNT(*) FROM print_jobs WHERE kind = 'certificate' AND state IN ('queued', 'sending')").pluck().get() as number,
      }));
      const atHub = await readHub(async (db) => ({
        requests: new Set((await db.selectFrom('requests').select('id').where('vehicle_id', '=', VEHICLE).execute()).map((r) => r.id)),
        latestSeq: Number((await db.selectFrom('inbox').select((eb) => eb.fn.max('seq').as('m')).where('vehicle_id', '=', VEHICLE).executeTakeFirst())?.m ?? 0),
      }));
      return { vehicle, atHub, ok: vehicle.queued.size === atHub.requests.size && vehicle.appliedSeq === atHub.latestSeq && vehicle.unsentPrints === 0 };
    };
    let last = await settled();
    for (let tries = 0; !last.ok && tries < 450; tries++) {
      await sleep(200);
      last = await settled();
    }
    expect(
      last.ok,
      `not settled: vehicle queued ${last.vehicle.queued.size}, hub has ${last.atHub.requests.size}; inbox applied ${last.vehicle.appliedSeq} of ${last.atHub.latestSeq}; unsent prints ${last.vehicle.unsentPrints}; host ${host.proc.exitCode ?? host.proc.signalCode ?? 'running'}`,
    ).toBe(true);
    await sleep(500);
    await host.stop('SIGTERM');
    hostLogs.push(host.log());
    host = null;
    for (const [i, hub] of hubs.entries()) {
      await hub!.stop();
      hubs[i] = null;
    }
    const tSettled = Date.now();

    // The faults and crashes really happened.
    const faults = `proxy ${JSON.stringify(proxy.stats)}`;
    expect(vehicleKills).toBeGreaterThanOrEqual(4);
    expect(hubKills).toBeGreaterThanOrEqual(4);
    expect(proxy.stats.refused + proxy.stats.dropped, faults).toBeGreaterThan(0);
    expect(proxy.stats.cut, faults).toBeGreaterThan(0);
    expect(proxy.stats.tunnelDrops, faults).toBeGreaterThan(5);
    expect(proxy.stats.delayed, faults).toBeGreaterThan(0);
    expect(proxy.stats.replayedDuplicates, faults).toBeGreaterThan(0);

    const v = readVehicle((db) => ({
      queued: ids(db, "SELECT DISTINCT request_id FROM audit_log WHERE action = 'relay.queued'"),
      all: ids(db, 'SELECT id FROM requests'),
      steps: new Map((db.prepare('SELECT id, step FROM requests').all() as { id: string; step: string }[]).map((r) => [r.id, r.step])),
      applied: db.prepare('SELECT seq, type, request_id AS requestId, outcome FROM hub_inbox_applied').all() as { seq: number; type: string; requestId: string | null; outcome: string }[],
      audit: db.prepare("SELECT request_id AS requestId, action FROM audit_log WHERE action IN ('request.approved', 'request.rejected')").all() as { requestId: string; action: string }[],
      jobs: db.prepare("SELECT id, request_id AS requestId, state, attempts FROM print_jobs WHERE kind = 'certificate'").all() as { id: string; requestId: string; state: string; attempts: number }[],
    }));
    const h = await readHub(async (db) => ({
      requests: (await db.selectFrom('requests').select('id').where('vehicle_id', '=', VEHICLE).execute()).map((r) => r.id),
      relayed: (
        await db.selectFrom('request_events').select(['request_id as requestId', (eb) => eb.fn.countAll().as('n')]).where('event', '=', 'RELAYED').groupBy('request_id').execute()
      ).map((r) => ({ requestId: r.requestId, n: Number(r.n) })),
      relayedAudit: (
        await db.selectFrom('audit_log').select(['request_id as requestId', (eb) => eb.fn.countAll().as('n')]).where('action', '=', 'request.relayed').groupBy('request_id').execute()
      ).map((r) => ({ requestId: r.requestId!, n: Number(r.n) })),
      decisions: await db.selectFrom('decisions').select(['request_id as requestId', 'decision']).execute(),
      jobs: await db.selectFrom('print_jobs').select(['id', 'request_id as requestId']).where('vehicle_id', '=', VEHICLE).execute(),
      inbox: await db.selectFrom('inbox').select(['seq', 'type']).where('vehicle_id', '=', VEHICLE).orderBy('seq').execute(),
    }));

    // Every request the vehicle queued is at the hub, once; nothing else is.
    expect(queued.size).toBe(TOTAL);
    for (const id of queued.keys()) expect(v.queued.has(id)).toBe(true);
    expect(new Set(h.requests)).toEqual(v.queued);
    expect(h.requests).toHaveLength(v.queued.size);
    expect(h.relayed.every((r) => r.n === 1) && h.relayed.length === v.queued.size).toBe(true);
    expect(h.relayedAudit.every((r) => r.n === 1) && h.relayedAudit.length === v.queued.size).toBe(true);

    // Every decision made at city hall reached the vehicle once, and only those.
    expect(decidedByUs.size).toBe(60);
    expect(new Map(h.decisions.map((d) => [d.requestId, d.decision]))).toEqual(
      new Map([...decidedByUs].map(([id, what]) => [id, what === 'approve' ? 'approved' : 'rejected'])),
    );
    expect(v.applied.map((a) => a.seq).sort((a, b) => a - b)).toEqual(h.inbox.map((m) => m.seq));
    for (const d of h.decisions) {
      const applied = v.applied.filter((a) => a.type === 'decision' && a.requestId === d.requestId);
      expect(applied, `decision for ${d.requestId}`).toHaveLength(1);
      expect(applied[0]!.outcome).toBe('applied');
      expect(v.audit.filter((a) => a.requestId === d.requestId && a.action === `request.${d.decision}`)).toHaveLength(1);
      const step = v.steps.get(d.requestId);
      if (d.decision === 'rejected') expect(step).toBe('rejected');
      else expect(['approved', 'printed']).toContain(step);
    }
    expect(v.audit).toHaveLength(h.decisions.length);

    // Each print job the hub issued arrived once; none was sent to the printer twice.
    expect(new Set(v.jobs.map((j) => j.id))).toEqual(new Set(h.jobs.map((j) => j.id)));
    expect(v.jobs).toHaveLength(h.jobs.length);
    expect(h.jobs.length).toBe(h.decisions.filter((d) => d.decision === 'approved').length);
    for (const job of v.jobs) expect(job.attempts).toBeLessThanOrEqual(1);
    const spooled = readdirSync(ipp.spoolDir).filter((f) => f.endsWith('.pdf'));
    // ippeveprinter names each spooled file `<its job number>-<job name>.pdf`, the job name (our job id)
    // lower-cased and with every run of characters other than letters, digits and '-' made one '_'.
    const spoolName = (jobId: string) => jobId.toLowerCase().replace(/[^a-z0-9-]+/g, '_');
    const spooledJobs = spooled.map((f) => f.replace(/^\d+-/, '').replace(/\.pdf$/, ''));
    expect(new Set(spooledJobs).size).toBe(spooledJobs.length);
    for (const name of spooledJobs) expect(v.jobs.some((j) => spoolName(j.id) === name), `spooled ${name}`).toBe(true);
    const printed = v.jobs.filter((j) => j.state === 'done');
    const unknown = v.jobs.filter((j) => j.state === 'outcome_unknown');
    expect(spooled.length).toBeGreaterThanOrEqual(printed.length);
    expect(spooled.length).toBeLessThanOrEqual(printed.length + unknown.length);
    for (const j of printed) expect(v.steps.get(j.requestId)).toBe('printed');

    console.info(
      `faults: ${TOTAL} requests queued in ${Math.round((tCreated - t0) / 1000)} s, decisions done ${Math.round((tDecided - tCreated) / 1000)} s and settled ${Math.round((tSettled - tCreated) / 1000)} s after that; ` +
        `sync retries ${syncRetries().length} (longest ${Math.max(0, ...syncRetries().map((r) => r.retryInMs))} ms); ` +
        `vehicle kills ${vehicleKills}, hub kills ${hubKills} (of ${HUB_PROCESSES} process(es), ${testStore}); proxy ${JSON.stringify(proxy.stats)}; ` +
        `print jobs ${v.jobs.length} (${printed.length} printed, ${unknown.length} outcome unknown), drafts left ${v.all.size - v.queued.size}`,
    );
  }, 300_000);
});

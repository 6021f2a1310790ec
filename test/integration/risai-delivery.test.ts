// り災証明書 applications with photos from the vehicle host (its own process) to the hub (its own
// process, or two on PostgreSQL) through a proxy that cuts every connection every few seconds, cuts
// answers, and sends requests a second time: each application arrives once, each chunk is written
// once, the photos at city hall are byte for byte the ones taken. The host is killed with SIGKILL in
// the middle of an upload and resumes from what the hub holds. Once the hub holds everything, the
// vehicle's SQLite files (database and WAL) hold no trace of the photos.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollVehicle, openHubStore, readHubKeys } from '../../hub/server/data-dir';
import type { KyselyHubStore } from '../../hub/store/store';
import { freePort } from '../../native/printer/ippeveprinter';
import { demoStaff, tempDir } from '../support/fixtures';
import { cliPath, ContractClient, startHostProcess, type HostProcess } from '../support/host';
import { readEnrollment } from '../support/hub';
import { initHubProcessData, startHubProcess, type HubProcess } from '../support/hub-process';
import { testStore } from '../support/postgres';
import { fakeJpeg, risaiApplication, sha256 } from '../support/risai';
import { startFaultProxy, type FaultProxy, type FaultPlan } from '../support/tcp-proxy';

const HUB_PROCESSES = testStore === 'postgres' ? 2 : 1;

let seed = 15_2026_11;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

let tmp: ReturnType<typeof tempDir>;
let hubDir: string;
let hubPorts: number[];
let hubs: HubProcess[] = [];
let hubStore: KyselyHubStore;
let disasterId: string;
const hosts: HostProcess[] = [];
const proxies: FaultProxy[] = [];

/** Waits for a condition the processes bring about, checking it every 25 ms. */
async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, context = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} ${context()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  tmp = tempDir('odekake-risai-');
  hubDir = join(tmp.dir, 'hub');
  await initHubProcessData(hubDir);
  // The disaster, added as an admin does it: `odekake hub disaster-add`.
  const added = spawnSync(
    process.execPath,
    [cliPath, 'hub', 'disaster-add', '--data', hubDir, '--name', '令和5年台風第13号', '--kind', 'storm_flood', '--date', '2023-09-08', '--area', '平・内郷', '--self-assessment'],
    { encoding: 'utf8' },
  );
  expect(added.status, added.stderr).toBe(0);
  expect(added.stdout).toMatch(/災害「令和5年台風第13号」を登録しました/);
  hubPorts = [];
  for (let i = 0; i < HUB_PROCESSES; i++) hubPorts.push(await freePort());
  hubs = await Promise.all(hubPorts.map((port) => startHubProcess(hubDir, port)));
  hubStore = await openHubStore(hubDir);
  disasterId = (await hubStore.db.selectFrom('risai_disasters').select('id').executeTakeFirstOrThrow()).id;
}, 60_000);

afterAll(async () => {
  for (const h of hosts) await h.stop('SIGKILL');
  for (const p of proxies) await p.stop();
  await hubStore?.close();
  for (const hub of hubs) await hub.kill();
  tmp?.remove();
});

/** A vehicle enrolled at the hub, reaching it only through its own misbehaving proxy (TLS ended there, so duplicates are true duplicate requests). */
async function vehicleBehindProxy(vehicleId: string, faults: Partial<FaultPlan>) {
  const enrollmentDir = join(tmp.dir, `enrollment-${vehicleId}`);
  await enrollVehicle({ dataDir: hubDir, vehicleId, outDir: enrollmentDir, hubUrl: `https://127.0.0.1:${hubPorts[0]}`, actor: 'test' });
  const vehicle = readEnrollment(enrollmentDir);
  const keys = readHubKeys(hubDir);
  let turn = 0;
  const proxy = await startFaultProxy({
    target: { port: () => hubPorts[turn++ % hubPorts.length]! },
    random,
    faults,
    tls: { server: { key: keys.serverKey, cert: keys.serverCert, ca: keys.caCert }, client: { key: vehicle.key, cert: vehicle.cert, ca: keys.caCert } },
  });
  proxies.push(proxy);
  const dataDir = join(tmp.dir, vehicleId);
  const args = ['--place', vehicleId, '--hub-enrollment', enrollmentDir, '--hub-url', proxy.url, '--hub-retry-max', '400'];
  const start = async () => {
    const host = await startHostProcess(dataDir, args);
    hosts.push(host);
    const staff = await ContractClient.connect(host.port, host.tokens.staff);
    expect((await staff.call('signIn', demoStaff)).ok).toBe(true);
    return { host, staff };
  };
  return { proxy, dataDir, start };
}

/** Enters applications with photos through the host's contract, as the staff screen does; returns the photos by id. */
async function enter(staff: ContractClient, count: number, photosEach: number, bytes: number, seedBase: number) {
  const taken = new Map<string, Buffer>();
  const ids: string[] = [];
  for (let a = 0; a < count; a++) {
    const created = await staff.call('createRisai', risaiApplication(disasterId));
    expect(created.ok, JSON.stringify(created.error)).toBe(true);
    const id = created.value.id as string;
    for (let p = 0; p < photosEach; p++) {
      const jpeg = fakeJpeg(1600, 1200, bytes - p * 977, seedBase + a * 100 + p);
      const added = await staff.call('addRisaiPhoto', { applicationId: id, jpegBase64: jpeg.toString('base64'), takenAt: '2026-11-25T10:00:00+09:00' });
      expect(added.ok, JSON.stringify(added.error)).toBe(true);
      taken.set(added.value.photos.at(-1).id as string, jpeg);
    }
    const submitted = await staff.call('submitRisai', { applicationId: id });
    expect(submitted.ok, JSON.stringify(submitted.error)).toBe(true);
    ids.push(id);
  }
  return { ids, taken };
}

async function hubPhotos(applicationIds: string[]) {
  return hubStore.db
    .selectFrom('risai_photos')
    .select(['id', 'chunks', 'chunk_writes', 'data', 'complete_at'])
    .where('application_id', 'in', applicationIds)
    .execute();
}

async function completeAtHub(applicationIds: string[]): Promise<number> {
  const rows = await hubStore.db.selectFrom('risai_applications').select('id').where('id', 'in', applicationIds).where('complete_at', 'is not', null).execute();
  return rows.length;
}

function readVehicle<T>(dataDir: string, fn: (db: Database.Database) => T): T {
  const db = new Database(join(dataDir, 'terminal.sqlite3'), { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** Whether any of the vehicle's SQLite files (database, WAL, shared memory) holds the bytes. */
function vehicleFilesHold(dataDir: string, needle: Buffer): string[] {
  return ['terminal.sqlite3', 'terminal.sqlite3-wal', 'terminal.sqlite3-shm']
    .map((f) => join(dataDir, f))
    .filter((f) => existsSync(f) && readFileSync(f).includes(needle));
}

async function expectDeliveredOnce(ids: string[], taken: Map<string, Buffer>) {
  const apps = await hubStore.db.selectFrom('risai_applications').select(['id', 'status', 'photo_count']).where('id', 'in', ids).execute();
  expect(apps.map((a) => a.id).sort()).toEqual([...ids].sort());
  const photos = await hubPhotos(ids);
  expect(photos).toHaveLength(taken.size);
  for (const p of photos) {
    // Every chunk written exactly once, and the photo at city hall byte for byte the one taken.
    expect(Number(p.chunk_writes), `chunk writes of ${p.id}`).toBe(p.chunks);
    expect(sha256(Buffer.from(p.data!))).toBe(sha256(taken.get(p.id)!));
  }
  const received = await hubStore.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('action', '=', 'risai.received')
    .where(sql<string>`detail`, 'like', `%${ids[0]}%`)
    .executeTakeFirstOrThrow();
  expect(Number(received.n)).toBe(1);
}

describe(`り災証明書 over a failing link (${testStore}, ${HUB_PROCESSES} hub process${HUB_PROCESSES > 1 ? 'es' : ''})`, () => {
  it('delivers applications with photos exactly once through cuts every few seconds and duplicated requests, then leaves no photo in the vehicle files', async () => {
    const { proxy, dataDir, start } = await vehicleBehindProxy('vehicle-risai-1', { cutRate: 0.3, duplicateRate: 0.5, dropRate: 0.1, delayRate: 0.5, maxDelayMs: 60 });
    const { staff } = await start();
    // The vehicle has the disasters list from when it was last online (a cut answer is simply asked again).
    await until('the disasters list', async () => (await staff.call('pullDisasters', {})).ok, 30_000);
    expect((await staff.call('listDisasters', {})).value.disasters.map((d: { name: string }) => d.name)).toEqual(['令和5年台風第13号']);
    // Offline: the link refuses everything while staff take the applications.
    proxy.faults = { ...proxy.faults, dropRate: 1 };
    proxy.cutAll();
    const { ids, taken } = await enter(staff, 4, 4, 180_000, 1000);
    const view = await staff.call('listRisai', {});
    expect(view.value.map((v: { state: string }) => v.state)).toEqual(['queued', 'queued', 'queued', 'queued']);

    // The photo sealed at rest: its plain bytes are nowhere in the files; its sealed bytes are (the search works).
    const [firstPhoto, firstBytes] = [...taken][0]!;
    const plain = firstBytes.subarray(5000, 5064);
    const sealedSlices = readVehicle(dataDir, (db) => db.prepare<[], { data_sealed: Buffer }>('SELECT data_sealed FROM risai_photos').all()).map((r) => r.data_sealed.subarray(20_000, 20_064));
    expect(vehicleFilesHold(dataDir, plain)).toEqual([]);
    expect(firstPhoto).toBeTruthy();
    for (const slice of sealedSlices) expect(vehicleFilesHold(dataDir, slice).length).toBeGreaterThan(0);
    const anySealed = () => sealedSlices.flatMap((slice) => vehicleFilesHold(dataDir, slice));

    // The link comes back, misbehaving: answers cut, requests duplicated, packets delayed, and every
    // connection cut each time the hub has taken more of the photos (at most every 0.5–1.5 s), so the
    // cuts fall while photos are on their way however fast this machine is.
    proxy.faults = { ...proxy.faults, dropRate: 0.1 };
    const dropsBefore = proxy.stats.tunnelDrops;
    const chunksAtHub = async () => (await hubPhotos(ids)).reduce((sum, p) => sum + Number(p.chunk_writes), 0);
    let cutsInTransit = 0;
    let cutting = true;
    const cuts = (async () => {
      let chunksAtLastCut = 0;
      while (cutting) {
        const progress = await until(
          'more of the photos at the hub, or the end',
          async () => {
            if (!cutting) return { done: true, chunks: 0 };
            const chunks = await chunksAtHub();
            if ((await completeAtHub(ids)) === ids.length) return { done: true, chunks };
            return chunks > chunksAtLastCut ? { done: false, chunks } : false;
          },
          120_000,
        );
        if (progress.done) break;
        proxy.cutAll();
        cutsInTransit++;
        chunksAtLastCut = progress.chunks;
        await new Promise((r) => setTimeout(r, 500 + random() * 1_000));
      }
    })();
    await until('every application complete at the hub', async () => (await completeAtHub(ids)) === ids.length, 120_000);
    await until(
      'the vehicle to see them complete',
      () => readVehicle(dataDir, (db) => db.prepare(`SELECT COUNT(*) AS n FROM risai_applications WHERE state = 'complete'`).get() as { n: number }).n === ids.length,
      60_000,
    );
    cutting = false;
    await cuts;
    expect(proxy.stats.tunnelDrops).toBeGreaterThan(dropsBefore);
    expect(cutsInTransit, 'links cut while photos were on their way').toBeGreaterThanOrEqual(2);
    expect(proxy.stats.cut).toBeGreaterThan(0);
    expect(proxy.stats.replayed).toBeGreaterThan(0);
    await expectDeliveredOnce(ids, taken);

    // Purged: no photo bytes, no personal fields, nothing waiting; and the files hold neither the plain nor the sealed photo.
    const left = readVehicle(dataDir, (db) => ({
      photos: (db.prepare('SELECT COUNT(*) AS n FROM risai_photos WHERE data_sealed IS NOT NULL').get() as { n: number }).n,
      personal: (db.prepare('SELECT COUNT(*) AS n FROM risai_applications WHERE personal_sealed IS NOT NULL').get() as { n: number }).n,
      outbox: (db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n,
    }));
    expect(left).toEqual({ photos: 0, personal: 0, outbox: 0 });
    // While the vehicle runs (its WAL emptied after the purge), and after it stopped.
    expect(vehicleFilesHold(dataDir, plain)).toEqual([]);
    expect(anySealed()).toEqual([]);
    staff.close();
    await hosts.at(-1)!.stop('SIGTERM');
    expect(vehicleFilesHold(dataDir, plain)).toEqual([]);
    expect(anySealed()).toEqual([]);
  }, 240_000);

  it('resumes after the vehicle is killed mid-upload from what the hub holds, writing no chunk twice', async () => {
    // A slow link (every packet delayed), so the upload is still under way when the host is killed.
    const { dataDir, start } = await vehicleBehindProxy('vehicle-risai-2', { delayRate: 1, maxDelayMs: 80 });
    const first = await start();
    await until('the disasters list', async () => (await first.staff.call('pullDisasters', {})).ok, 30_000);
    const { ids, taken } = await enter(first.staff, 2, 5, 180_000, 5000);
    const total = [...taken.keys()].length;
    // Killed once the hub holds some chunks and not yet every photo.
    const written = () => hubPhotos(ids).then((ps) => ({ chunks: ps.reduce((s, p) => s + Number(p.chunk_writes), 0), whole: ps.filter((p) => p.complete_at).length }));
    const atKill = await until('part of the upload at the hub', async () => {
      const w = await written();
      return w.chunks >= 2 && w.whole < total ? w : false;
    }, 60_000);
    await first.host.stop('SIGKILL');
    const afterKill = await written();
    expect(afterKill.whole).toBeLessThan(total);
    const cursors = readVehicle(dataDir, (db) => db.prepare('SELECT SUM(chunks_at_hub) AS n FROM risai_photos').get() as { n: number }).n;
    expect(atKill.chunks).toBeGreaterThan(0);

    // Started again on the same files: it asks the hub what it holds and sends the rest.
    const second = await start();
    await until('every application complete at the hub after the restart', async () => (await completeAtHub(ids)) === ids.length, 120_000);
    await expectDeliveredOnce(ids, taken);
    await until(
      'the vehicle to purge what the hub holds',
      () => readVehicle(dataDir, (db) => db.prepare('SELECT COUNT(*) AS n FROM risai_photos WHERE data_sealed IS NOT NULL').get() as { n: number }).n === 0,
      60_000,
    );
    expect(cursors).toBeLessThanOrEqual(afterKill.chunks);
    second.staff.close();
  }, 240_000);
});

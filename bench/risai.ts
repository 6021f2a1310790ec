// り災証明書 benchmarks: (1) 5 MB of photos from one vehicle over a shaped loopback link — 1 Mbit/s,
// 300 ms round trip, down 3 s every 10 s — the delivery time beside its limit (the photo bytes at the
// link's rate plus the time the link was down, measured in the same run; target ≤ 1.25× the limit);
// (2) 100 applications with photos from three vehicles at once, straight to the hub: all complete,
// none twice. The hub is its own process (`odekake hub start`, SQLite); the vehicles are terminal
// cores on their own SQLite files with the real HTTPS transport. Run with `npm run bench:risai`.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { KeyFileProvider } from '../electron/core/crypto';
import { loadFeeTable } from '../electron/core/fees';
import { HttpsHubTransport, loadEnrollment } from '../electron/core/hub-transport';
import { hubOptions, TerminalCore } from '../electron/core/terminal';
import { enrollVehicle, initHub } from '../hub/server';
import { openHubStore } from '../hub/server/data-dir';
import { addDisaster } from '../hub/server/risai';
import { systemClock } from '../common/clock';
import { freePort } from '../native/printer/ippeveprinter';
import { feesFile, staffFile, tempDir } from '../test/support/fixtures';
import { adminCredentials } from '../test/support/hub';
import { startHubProcess } from '../test/support/hub-process';
import { fakeJpeg, risaiApplication } from '../test/support/risai';
import { startShapedLink } from './shaped-link';
import { PHOTO_CHUNK_BYTES } from '../protocol/disaster';

const SHAPE = { bitsPerSecond: 1_000_000, roundTripMs: 300, cutEveryMs: 10_000, cutForMs: 3_000 };
const PHOTO_BYTES = 512 * 1024;
const PHOTOS = 10;
/** How the vehicle retries after a failed cycle in this run: a cut link is tried again within a second. */
const RETRY = { baseMs: 100, maxMs: 400 };

type Row = [string, string, string, string];
const rows: Row[] = [];
const notes: string[] = [];
const tmp = tempDir('odekake-bench-risai-');

function vehicle(dataDir: string, enrollmentDir: string, hubUrl: string): { core: TerminalCore; transport: HttpsHubTransport } {
  mkdirSync(dataDir, { recursive: true });
  const creds = loadEnrollment(enrollmentDir, hubUrl);
  const transport = new HttpsHubTransport(creds, 15_000);
  const core = new TerminalCore({
    dataDir,
    keys: new KeyFileProvider(join(dataDir, 'data.key')),
    fees: loadFeeTable(feesFile),
    place: 'bench-risai',
    risaiLimits: { maxPhotos: 10, maxEdgePx: 1600, maxBytes: 1024 * 1024 },
    hub: { ...hubOptions(transport, creds.printSigningKey), retry: RETRY, pollMs: 60_000 },
  });
  core.staff.seedFromFile(staffFile);
  return { core, transport };
}

/** Takes one application with `photos` photos on the vehicle and queues it (as staff do, offline or not). */
function take(core: TerminalCore, disasterId: string, photos: number, bytes: number, seed: number): string {
  const draft = core.risai.create(risaiApplication(disasterId), 'S0001');
  for (let p = 0; p < photos; p++) core.risai.addPhoto(draft.id, fakeJpeg(1600, 1200, bytes - p * 13, seed * 100 + p), '2026-11-25T10:00:00+09:00', 'S0001');
  core.risai.submit(draft.id, 'S0001');
  return draft.id;
}

async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  const hubDir = join(tmp.dir, 'hub');
  await initHub({ dataDir: hubDir, adminId: adminCredentials.operatorId, adminPassword: adminCredentials.password });
  const setup = await openHubStore(hubDir);
  const disaster = await addDisaster(setup, { name: '令和5年台風第13号', kind: 'storm_flood', date: '2023-09-08', area: '平・内郷', selfAssessment: true }, 'bench', systemClock);
  await setup.close();
  const hub = await startHubProcess(hubDir, await freePort());
  const store = await openHubStore(hubDir);
  const completeAtHub = async (ids: string[]) =>
    (await store.db.selectFrom('risai_applications').select('id').where('id', 'in', ids).where('complete_at', 'is not', null).execute()).length;
  try {
    // ---- (1) 5 MB of photos over the shaped link --------------------------------------------------
    const link = await startShapedLink({ port: hub.port }, SHAPE);
    const enrolled = join(tmp.dir, 'enroll-shaped');
    await enrollVehicle({ dataDir: hubDir, vehicleId: 'bench-shaped', outDir: enrolled, hubUrl: null, actor: 'bench' });
    const { core: shaped, transport: shapedLink } = vehicle(join(tmp.dir, 'vehicle-shaped'), enrolled, link.url);
    // The disasters list comes first, as when the vehicle was last online (not measured).
    await until('the disasters list', async () => {
      try {
        await shaped.risai.pullDisasters(shapedLink);
        return true;
      } catch {
        return false;
      }
    }, 60_000);
    const id = take(shaped, disaster.id, PHOTOS, PHOTO_BYTES, 1);
    const photoBytes = shaped.risai.view(id).photos.reduce((s, p) => s + p.bytes, 0);
    const upBefore = link.stats.bytesUp;
    const t0 = performance.now();
    shaped.startTimers();
    await until('the application complete at the hub', async () => (await completeAtHub([id])) === 1, 15 * 60_000);
    const t1 = performance.now();
    const elapsed = t1 - t0;
    const down = link.downMs(t0, t1);
    const atRate = (photoBytes * 8) / SHAPE.bitsPerSecond * 1000;
    const limit = atRate + down;
    const ratio = elapsed / limit;
    const photos = await store.db.selectFrom('risai_photos').select(['chunks', 'chunk_writes', 'data', 'sha256']).where('application_id', '=', id).execute();
    const intact = photos.every((p) => p.data && createHash('sha256').update(p.data).digest('hex') === p.sha256);
    const onceEach = photos.every((p) => Number(p.chunk_writes) === p.chunks);
    rows.push([`${(photoBytes / 1024 / 1024).toFixed(2)} MiB of photos (${PHOTOS}) over 1 Mbit/s, 300 ms RTT, down 3 s every 10 s`, `${(elapsed / 1000).toFixed(1)} s`, `≤ ${(1.25 * limit / 1000).toFixed(1)} s (1.25 × limit)`, ratio <= 1.25 ? 'ok' : 'MISSED']);
    rows.push(['  limit = photo bytes at 1 Mbit/s + link down', `${(limit / 1000).toFixed(1)} s = ${(atRate / 1000).toFixed(1)} s + ${(down / 1000).toFixed(1)} s`, '', '']);
    rows.push(['  delivery time ÷ limit', ratio.toFixed(3), '≤ 1.25', ratio <= 1.25 ? 'ok' : 'MISSED']);
    rows.push(['  link cuts during the run / connections refused while down', `${link.stats.cuts} / ${link.stats.refused}`, '', '']);
    rows.push(['  bytes up the link ÷ photo bytes', ((link.stats.bytesUp - upBefore) / photoBytes).toFixed(3), '', '']);
    rows.push(['  photos whole and identical (sha256); each chunk written once', `${intact ? 'yes' : 'NO'}; ${onceEach ? 'yes' : 'NO'}`, 'yes; yes', intact && onceEach ? 'ok' : 'MISSED']);
    await until('the vehicle to purge the photos', () => shaped.risai.view(id).state === 'complete', 60_000);
    await shaped.close();
    await link.stop();

    // ---- (2) 100 applications with photos from three vehicles at once ----------------------------
    const cores: TerminalCore[] = [];
    const ids: string[][] = [];
    for (let v = 0; v < 3; v++) {
      const dir = join(tmp.dir, `enroll-fleet-${v}`);
      await enrollVehicle({ dataDir: hubDir, vehicleId: `bench-fleet-${v}`, outDir: dir, hubUrl: null, actor: 'bench' });
      const { core, transport } = vehicle(join(tmp.dir, `vehicle-fleet-${v}`), dir, hub.url);
      await core.risai.pullDisasters(transport);
      const mine: string[] = [];
      for (let a = 0; a < (v === 0 ? 34 : 33); a++) mine.push(take(core, disaster.id, 2, 96 * 1024, 1000 + v * 100 + a));
      cores.push(core);
      ids.push(mine);
    }
    const all = ids.flat();
    const f0 = performance.now();
    for (const core of cores) core.startTimers();
    await until('100 applications complete at the hub', async () => (await completeAtHub(all)) === all.length, 15 * 60_000);
    const f1 = performance.now();
    const apps = await store.db.selectFrom('risai_applications').select('id').where('id', 'in', all).execute();
    const received = await store.db.selectFrom('audit_log').select('detail').where('action', '=', 'risai.received').execute();
    const receivedOnce = all.every((a) => received.filter((r) => r.detail?.includes(a)).length === 1);
    const fleetPhotos = await store.db.selectFrom('risai_photos').select(['chunks', 'chunk_writes']).where('application_id', 'in', all).execute();
    const chunksOnce = fleetPhotos.every((p) => Number(p.chunk_writes) === p.chunks);
    const mb = (fleetPhotos.length * 96 * 1024) / 1024 / 1024;
    rows.push([`100 applications (200 photos, ${mb.toFixed(1)} MiB) from 3 vehicles at once`, `${((f1 - f0) / 1000).toFixed(1)} s`, 'all complete', apps.length === 100 ? 'ok' : 'MISSED']);
    rows.push(['  applications at the hub / received once each / chunks written once each', `${apps.length} / ${receivedOnce ? 'yes' : 'NO'} / ${chunksOnce ? 'yes' : 'NO'}`, '100 / yes / yes', apps.length === 100 && receivedOnce && chunksOnce ? 'ok' : 'MISSED']);
    for (const core of cores) await core.close();
    notes.push(`vehicle retry after a failed cycle: ${RETRY.baseMs}–${RETRY.maxMs} ms; photos in chunks of ${PHOTO_CHUNK_BYTES / 1024} KiB, three in flight`);
    notes.push('photos are JPEG-shaped bytes of a fixed size (the vehicle checks the header and the limits; it does not decode)');
  } finally {
    await store.close();
    await hub.kill();
  }
}

const startedAt = new Date().toISOString();
try {
  await main();
} finally {
  tmp.remove();
}
const widths = [0, 1, 2, 3].map((i) => Math.max(...[['what', 'measured', 'target', ''], ...rows].map((r) => r[i]!.length)));
console.log(`り災証明書 benchmarks (${startedAt}; node ${process.version})`);
for (const r of [['what', 'measured', 'target', ''] as Row, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join(' | '));
for (const n of notes) console.log(`note: ${n}`);

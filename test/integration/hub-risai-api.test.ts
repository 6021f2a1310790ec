// The り災証明書 routes of the real hub over HTTPS: vehicles only with their certificate (the disasters,
// a photo's progress, a chunk within the size limit); the tax department's console by role (税務担当
// only; CSRF on writes), its queue, one application with its photo, status moves and counts; the admin
// keeps the disaster list and is kept out of the applications.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_API } from '../../protocol/console';
import { HUB_API } from '../../protocol/hub';
import { PHOTO_CHUNK_BYTES, RISAI_API, type RisaiApplicationMessage } from '../../protocol/disaster';
import { adminCredentials, httpsCall, operatorClient, startTestHub, type TestHub, type VehicleTls } from '../support/hub';
import { fakeJpeg, risaiApplication, sha256 } from '../support/risai';

let hub: TestHub;
let vehicle: VehicleTls;
let url: string;
let ca: string;
const admin = () => operatorClient(url, ca);

beforeAll(async () => {
  hub = await startTestHub();
  url = hub.hub.url;
  vehicle = await hub.enroll('vehicle-risai-api');
  ca = vehicle.ca;
});
afterAll(async () => hub?.stop());

const tls = () => ({ cert: vehicle.cert, key: vehicle.key, ca: vehicle.ca });
const photoPath = (id: string) => RISAI_API.photo.replace(':photoId', id);
const chunkPath = (id: string, i: number) => RISAI_API.chunk.replace(':photoId', id).replace(':index', String(i));
/** One chunk as the vehicle sends it: raw bytes, their sha256 in a header. */
const chunkCall = (photoId: string, data: Buffer, i: number, sha?: string) => {
  const part = data.subarray(i * PHOTO_CHUNK_BYTES, (i + 1) * PHOTO_CHUNK_BYTES);
  return httpsCall(`${url}${chunkPath(photoId, i)}`, {
    rawBody: part, headers: { 'content-type': 'application/octet-stream', 'x-chunk-sha256': sha ?? createHash('sha256').update(part).digest('hex') }, tls: tls(),
  });
};

describe('り災証明書 over the hub API', () => {
  it('serves vehicles with certificates only, keeps chunks within their limit, and gives the tax department its queue', async () => {
    const a = admin();
    expect((await a.signIn(adminCredentials.operatorId, adminCredentials.password)).status).toBe(200);
    const added = await a.call('POST', RISAI_API.console.disasters, { name: '令和5年台風第13号', kind: 'storm_flood', date: '2023-09-08', area: '平・内郷', selfAssessment: true });
    expect(added.status).toBe(200);
    const bad = await a.call('POST', RISAI_API.console.disasters, { name: '', kind: 'storm_flood', date: '2023-02-30', area: '平', selfAssessment: true });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('災害の名前を入力してください。');
    expect(bad.body.fields.map((f: { path: string }) => f.path)).toEqual(['name', 'date']);
    expect((await a.call('POST', CONSOLE_API.operators, { id: 'zeimu1', displayName: '税務 花子', role: 'tax', password: 'tax-password-for-tests' })).status).toBe(200);

    // Without a client certificate: refused, like every vehicle route.
    expect((await httpsCall(`${url}${RISAI_API.disasters}`, { tls: { ca } })).status).toBe(401);
    const list = await httpsCall(`${url}${RISAI_API.disasters}`, { tls: tls() });
    expect(list.status).toBe(200);
    expect(list.body.disasters.map((d: { name: string }) => d.name)).toEqual(['令和5年台風第13号']);
    expect(list.body.limits).toMatchObject({ maxPhotos: 10 });

    const jpeg = fakeJpeg(1600, 1200, PHOTO_CHUNK_BYTES + 500, 77);
    const photoId = 'photo-api-000001';
    const m: RisaiApplicationMessage = {
      type: 'risai.application', idempotencyKey: 'key-risai-api-1', applicationId: 'app-risai-api-1', number: 'R1125-001', input: risaiApplication(list.body.disasters[0].id),
      photos: [{ id: photoId, takenAt: '2026-11-25T10:00:00+09:00', bytes: jpeg.length, sha256: sha256(jpeg), width: 1600, height: 1200 }], staffId: 'S0001', takenAt: '2026-11-25T10:00:00+09:00',
    };
    const delivered = await httpsCall(`${url}${HUB_API.messages}`, { body: { messages: [m] }, tls: tls() });
    expect(delivered.body.results).toEqual([{ idempotencyKey: 'key-risai-api-1', status: 'applied' }]);
    expect((await httpsCall(`${url}${photoPath(photoId)}`, { tls: tls() })).body).toMatchObject({ chunks: 2, received: [], complete: false });
    expect((await httpsCall(`${url}${photoPath('photo-nobody-0001')}`, { tls: tls() })).status).toBe(404);
    // A body larger than one chunk is refused before it is read.
    const huge = await httpsCall(`${url}${chunkPath(photoId, 0)}`, { rawBody: Buffer.alloc(PHOTO_CHUNK_BYTES + 1), headers: { 'content-type': 'application/octet-stream', 'x-chunk-sha256': '0'.repeat(64) }, tls: tls() });
    expect(huge.status).toBe(413);
    // A chunk as JSON is not a chunk.
    expect((await httpsCall(`${url}${chunkPath(photoId, 0)}`, { body: { sha256: '0'.repeat(64), data: 'AAAA' }, tls: tls() })).body.code).toBe('INVALID_INPUT');
    expect((await chunkCall(photoId, jpeg, 0, 'f'.repeat(64))).body.code).toBe('BAD_CHUNK');
    expect((await chunkCall(photoId, jpeg, 1)).body).toMatchObject({ received: [1], complete: false });
    expect((await chunkCall(photoId, jpeg, 0)).body).toMatchObject({ complete: true, applicationComplete: true });

    // The tax department: its queue, the application with its photo, the moves, the counts.
    const tax = operatorClient(url, ca);
    expect((await tax.signIn('zeimu1', 'tax-password-for-tests')).status).toBe(200);
    const queue = await tax.call('GET', `${RISAI_API.console.applications}?status=received`);
    expect(queue.body).toMatchObject([{ id: 'app-risai-api-1', status: 'received', complete: true, area: '平', disasterName: '令和5年台風第13号' }]);
    const detail = await tax.call('GET', RISAI_API.console.application.replace(':id', 'app-risai-api-1'));
    expect(detail.body.input.applicant.kana).toBe('おなはま はるこ');
    const photo = await httpsCall(`${url}${RISAI_API.console.photo.replace(':id', 'app-risai-api-1').replace(':photoId', photoId)}`, {
      headers: { cookie: tax.cookie }, tls: { ca },
    });
    expect(photo.status).toBe(200);
    expect(photo.headers['content-type']).toBe('image/jpeg');
    expect(sha256(photo.bytes)).toBe(sha256(jpeg));
    const status = RISAI_API.console.status.replace(':id', 'app-risai-api-1');
    expect((await tax.call('POST', status, { to: 'judged', grade: 'semi_half' }, { csrf: false })).status).toBe(403);
    expect((await tax.call('POST', status, { to: 'issued' })).body).toMatchObject({ code: 'ILLEGAL_STATUS', message: '「受付」から「証明書発行」には進めません。' });
    const certificate = RISAI_API.console.certificate.replace(':id', 'app-risai-api-1');
    expect((await tax.call('GET', certificate)).body).toMatchObject({ code: 'NOT_JUDGED' });
    expect((await tax.call('POST', status, { to: 'judged', grade: 'semi_half' })).body).toMatchObject({ status: 'judged', grade: 'semi_half' });
    const pdf = await httpsCall(`${url}${certificate}`, { headers: { cookie: tax.cookie }, tls: { ca } });
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect((await tax.call('GET', RISAI_API.console.counts)).body.rows).toEqual([
      { disasterId: list.body.disasters[0].id, disasterName: '令和5年台風第13号', area: '平', status: 'judged', grade: 'semi_half', count: 1 },
    ]);
    // Only admins add disasters; other roles do not see the queue.
    expect((await tax.call('POST', RISAI_API.console.disasters, { name: '火災', kind: 'fire', date: '2026-11-01', area: '平', selfAssessment: false })).status).toBe(403);
    expect((await a.call('POST', CONSOLE_API.operators, { id: 'shomei1', displayName: '証明 太郎', role: 'operator', password: 'operator-password-1' })).status).toBe(200);
    const clerk = operatorClient(url, ca);
    await clerk.signIn('shomei1', 'operator-password-1');
    expect((await clerk.call('GET', RISAI_API.console.applications)).status).toBe(403);
    expect((await clerk.call('GET', RISAI_API.console.disasters)).status).toBe(403);
  });

  it('keeps the admin out of the り災証明書 applications: the disaster list is all an admin reads and adds to', async () => {
    const a = admin();
    expect((await a.signIn(adminCredentials.operatorId, adminCredentials.password)).status).toBe(200);
    expect((await a.call('POST', CONSOLE_API.operators, { id: 'zeimu2', displayName: '税務 次子', role: 'tax', password: 'tax-password-for-tests-2' })).status).toBe(200);
    const tax = operatorClient(url, ca);
    expect((await tax.signIn('zeimu2', 'tax-password-for-tests-2')).status).toBe(200);

    // The admin keeps the list: reads it, adds to it (CSRF like every write).
    expect((await a.call('POST', RISAI_API.console.disasters, { name: '令和8年福島県沖地震', kind: 'earthquake', date: '2026-03-16', area: '小名浜', selfAssessment: false }, { csrf: false })).status).toBe(403);
    const added = await a.call('POST', RISAI_API.console.disasters, { name: '令和8年福島県沖地震', kind: 'earthquake', date: '2026-03-16', area: '小名浜', selfAssessment: false });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ name: '令和8年福島県沖地震', kind: 'earthquake', date: '2026-03-16', area: '小名浜', selfAssessment: false });
    const listed = await a.call('GET', RISAI_API.console.disasters);
    expect(listed.status).toBe(200);
    expect(listed.body.map((d: { name: string }) => d.name)).toEqual(['令和8年福島県沖地震', '令和5年台風第13号']);
    // The tax department reads the same list (its filters) but does not add to it.
    expect((await tax.call('GET', RISAI_API.console.disasters)).body).toEqual(listed.body);
    expect((await tax.call('POST', RISAI_API.console.disasters, { name: '火災', kind: 'fire', date: '2026-11-01', area: '平', selfAssessment: false })).status).toBe(403);

    // An application with its photo is there (the test above), and the tax department sees it...
    const id = 'app-risai-api-1';
    const photoId = 'photo-api-000001';
    expect((await httpsCall(`${url}${RISAI_API.console.photo.replace(':id', id).replace(':photoId', photoId)}`, { headers: { cookie: tax.cookie }, tls: { ca } })).status).toBe(200);
    // ...but the admin gets none of it: not the queue, not one application, not a photo, not a move,
    // not the certificate, not a send to a vehicle, not the counts.
    const forbidden = (r: { status: number; body: { code?: string; message?: string } }) =>
      expect({ status: r.status, code: r.body.code, message: r.body.message }).toEqual({ status: 403, code: 'FORBIDDEN_ROLE', message: 'この操作は税務担当（資産税課）の職員だけができます。（あなたは管理者です）' });
    forbidden(await a.call('GET', RISAI_API.console.applications));
    forbidden(await a.call('GET', `${RISAI_API.console.applications}?status=judged`));
    forbidden(await a.call('GET', RISAI_API.console.application.replace(':id', id)));
    const photo = await httpsCall(`${url}${RISAI_API.console.photo.replace(':id', id).replace(':photoId', photoId)}`, { headers: { cookie: a.cookie }, tls: { ca } });
    expect(photo.status).toBe(403);
    expect(photo.headers['content-type']).not.toBe('image/jpeg');
    forbidden(await a.call('POST', RISAI_API.console.status.replace(':id', id), { to: 'issued' }));
    const pdf = await httpsCall(`${url}${RISAI_API.console.certificate.replace(':id', id)}`, { headers: { cookie: a.cookie }, tls: { ca } });
    expect(pdf.status).toBe(403);
    expect(pdf.headers['content-type']).not.toBe('application/pdf');
    forbidden(await a.call('POST', RISAI_API.console.sendToVehicle.replace(':id', id), { vehicleId: 'vehicle-risai-api' }));
    forbidden(await a.call('GET', RISAI_API.console.counts));
    // Nothing moved: the application is still as the tax department left it, and no read of it by the admin is audited.
    expect((await tax.call('GET', RISAI_API.console.application.replace(':id', id))).body).toMatchObject({ status: 'judged', grade: 'semi_half' });
    const byAdmin = (await hub.hub.store.transaction((tx) => tx.listAudit({}))).filter((e) => e.actor === adminCredentials.operatorId && e.action.startsWith('risai.') && e.action !== 'risai.disaster_added');
    expect(byAdmin).toEqual([]);
  });
});

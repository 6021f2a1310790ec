// The り災証明書 sent from the tax department's console to a vehicle's certificate printer: the vehicle's
// terminal core and the real hub over mutual TLS on 127.0.0.1, the real IPP printer (ippeveprinter).
// Judged, issued, sent once; the vehicle prints the hub's PDF byte for byte, once, and lists it as
// 交付待ち until staff record the handover. The route checks role, CSRF and its input.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../electron/core/clock';
import { KeyFileProvider } from '../../electron/core/crypto';
import { loadFeeTable } from '../../electron/core/fees';
import { HttpsHubTransport, loadEnrollment } from '../../electron/core/hub-transport';
import { TerminalCore } from '../../electron/core/terminal';
import { revokeVehicle } from '../../hub/server/data-dir';
import { receiptProfiles } from '../../native/printer/config';
import { EscposEmulator } from '../../native/printer/escpos-emulator';
import { EscposReceiptPrinter } from '../../native/printer/escpos-printer';
import { IppCertificatePrinter } from '../../native/printer/ipp-printer';
import { CONSOLE_API } from '../../protocol/console';
import { RISAI_API } from '../../protocol/disaster';
import { demoStaff, feesFile, staffFile, tempDir } from '../support/fixtures';
import { adminCredentials, httpsCall, operatorClient, startTestHub, type TestHub } from '../support/hub';
import { startTestIppPrinter, type TestIppPrinter } from '../support/ippeveprinter';
import { contractOn } from '../support/contract';
import { fakeJpeg, risaiApplication } from '../support/risai';

let tmp: ReturnType<typeof tempDir>;
let ipp: TestIppPrinter;
let emulator: EscposEmulator;
let hub: TestHub;
let core: TerminalCore;
const { ok } = contractOn(() => core);
const clock = new ManualClock(new Date('2026-11-25T02:30:00.000Z'));
// City hall's clock stands still too: the console's view and the job render at the same instant (the PDF carries it).
const hubClock = new ManualClock(new Date('2026-11-25T03:00:00.000Z'));
const VEHICLE = 'vehicle-risai-print';

async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const spooled = () => readdirSync(ipp.spoolDir).filter((f) => f.endsWith('.pdf'));

beforeAll(async () => {
  tmp = tempDir();
  ipp = await startTestIppPrinter();
  emulator = new EscposEmulator();
  await emulator.start();
  hub = await startTestHub({ dataDir: join(tmp.dir, 'hub'), clock: hubClock });
  const enrollmentDir = (await hub.enroll(VEHICLE)).dir;
  await hub.enroll('vehicle-other-1');
  await hub.enroll('vehicle-stolen-1');
  await revokeVehicle({ dataDir: hub.dataDir, vehicleId: 'vehicle-stolen-1', actor: 'admin' });
  const creds = loadEnrollment(enrollmentDir, hub.hub.url);
  const transport = new HttpsHubTransport(creds, 3_000);
  core = new TerminalCore({
    dataDir: join(tmp.dir, 'vehicle'),
    keys: new KeyFileProvider(join(tmp.dir, 'vehicle', 'data.key')),
    fees: loadFeeTable(feesFile),
    place: VEHICLE,
    clock,
    printers: { certificate: new IppCertificatePrinter({ uri: ipp.uri, jobTimeoutMs: 20_000 }), receipt: new EscposReceiptPrinter({ host: '127.0.0.1', port: emulator.port, profile: receiptProfiles['kanji-80mm'], jobTimeoutMs: 5_000 }) },
    hub: { transport, risai: transport, printSigningKey: creds.printSigningKey, retry: { baseMs: 50, maxMs: 200 } },
  });
  core.staff.seedFromFile(staffFile);
  core.startTimers();
}, 60_000);
afterAll(async () => {
  await core?.close();
  await hub?.stop();
  await emulator?.stop();
  await ipp?.dispose();
  tmp?.remove();
});

describe('a り災証明書 printed on the vehicle for handover', () => {
  it('is sent once by the tax department, prints the hub’s PDF once, and waits for 交付 on the vehicle', async () => {
    const admin = operatorClient(hub.hub.url, hub.hub.caCert);
    expect((await admin.signIn(adminCredentials.operatorId, adminCredentials.password)).status).toBe(200);
    expect((await admin.call('POST', RISAI_API.console.disasters, { name: '令和5年台風第13号', kind: 'storm_flood', date: '2023-09-08', area: '平・内郷', selfAssessment: true })).status).toBe(200);
    expect((await admin.call('POST', CONSOLE_API.operators, { id: 'zeimu1', displayName: '税務 花子', role: 'tax', password: 'tax-password-for-tests' })).status).toBe(200);
    expect((await admin.call('POST', CONSOLE_API.operators, { id: 'shomei2', displayName: '証明 次郎', role: 'operator', password: 'operator-password-2' })).status).toBe(200);

    // The vehicle takes the application with one photo; it reaches city hall whole.
    await ok('signIn', demoStaff);
    const { disasters } = await ok('pullDisasters', {});
    const { id } = await ok('createRisai', risaiApplication(disasters[0].id));
    await ok('addRisaiPhoto', { applicationId: id, jpegBase64: fakeJpeg(1600, 1200, 40_000, 5).toString('base64'), takenAt: '2026-11-25T10:00:00+09:00' });
    await ok('submitRisai', { applicationId: id });
    const tax = operatorClient(hub.hub.url, hub.hub.caCert);
    expect((await tax.signIn('zeimu1', 'tax-password-for-tests')).status).toBe(200);
    await until('the application whole at city hall', async () => (await tax.call('GET', RISAI_API.console.applications)).body.some((a: { id: string }) => a.id === id));

    const send = RISAI_API.console.sendToVehicle.replace(':id', id);
    const status = RISAI_API.console.status.replace(':id', id);
    // Not before 証明書発行.
    expect((await tax.call('POST', status, { to: 'judged', grade: 'half' })).status).toBe(200);
    expect((await tax.call('POST', send, { vehicleId: VEHICLE })).body).toMatchObject({ code: 'NOT_ISSUED', message: '「証明書発行」にしてから車両へ送れます。' });
    expect((await tax.call('POST', status, { to: 'issued' })).status).toBe(200);
    // Role, CSRF, input.
    const clerk = operatorClient(hub.hub.url, hub.hub.caCert);
    await clerk.signIn('shomei2', 'operator-password-2');
    expect((await clerk.call('POST', send, { vehicleId: VEHICLE })).status).toBe(403);
    expect((await tax.call('POST', send, { vehicleId: VEHICLE }, { csrf: false })).status).toBe(403);
    const bad = await tax.call('POST', send, { vehicleId: '車両' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('車両の番号は半角英数字32文字以内です。');
    expect((await tax.call('POST', send, {})).status).toBe(400);
    expect((await tax.call('POST', send, { vehicleId: 'vehicle-stolen-1' })).body).toMatchObject({ code: 'REVOKED_VEHICLE', message: 'その車両の証明書は失効しています。別の車両を選んでください。' });
    expect((await tax.call('POST', send, { vehicleId: 'vehicle-nobody-9' })).body).toMatchObject({ message: 'その車両は登録されていません。車両の番号を確かめてください。' });

    // A resident who asked for it by mail: city hall prints it; the vehicle is not offered.
    const { id: byMail } = await ok('createRisai', risaiApplication(disasters[0].id, { survey: 'on_site', delivery: 'mail' }));
    await ok('submitRisai', { applicationId: byMail });
    await until('the mailed one at city hall', async () => (await tax.call('GET', RISAI_API.console.applications)).body.some((a: { id: string }) => a.id === byMail));
    const mailStatus = RISAI_API.console.status.replace(':id', byMail);
    for (const to of ['scheduling', 'surveyed']) expect((await tax.call('POST', mailStatus, { to })).status).toBe(200);
    expect((await tax.call('POST', mailStatus, { to: 'judged', grade: 'partial' })).status).toBe(200);
    expect((await tax.call('POST', mailStatus, { to: 'issued' })).status).toBe(200);
    const mailed = await tax.call('POST', RISAI_API.console.sendToVehicle.replace(':id', byMail), { vehicleId: VEHICLE });
    expect(mailed.status).toBe(409);
    expect(mailed.body).toMatchObject({ code: 'NOT_VEHICLE_DELIVERY', message: 'この方は「郵送」を希望しています。車両へは送らず、証明書（PDF）を市役所で印刷してください。' });
    expect((await tax.call('GET', RISAI_API.console.certificate.replace(':id', byMail))).status).toBe(200);

    const sent = await tax.call('POST', send, { vehicleId: VEHICLE });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ vehicleId: VEHICLE });
    // Once: a second send (to this vehicle or another) is refused.
    expect((await tax.call('POST', send, { vehicleId: VEHICLE })).body).toMatchObject({ code: 'ALREADY_SENT', message: 'この証明書はもう車両へ送りました。再送はできません。' });
    expect((await tax.call('POST', send, { vehicleId: 'vehicle-other-1' })).body).toMatchObject({ code: 'ALREADY_SENT' });

    // The vehicle prints it once: the spool holds the hub's certificate byte for byte.
    await until('交付待ち', async () => (await ok('listRisai', {})).find((r: { id: string }) => r.id === id)?.certificate === 'awaiting_handover');
    expect(spooled()).toHaveLength(1);
    const pdf = await httpsCall(`${hub.hub.url}${RISAI_API.console.certificate.replace(':id', id)}`, { headers: { cookie: tax.cookie }, tls: { ca: hub.hub.caCert } });
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(digest(readFileSync(join(ipp.spoolDir, spooled()[0]!)))).toBe(digest(pdf.bytes));
    await core.sync!.syncNow();
    expect(spooled()).toHaveLength(1);
    expect(core.db.prepare("SELECT COUNT(*) FROM print_jobs WHERE kind = 'certificate' AND state = 'done'").pluck().get()).toBe(1);

    // 交付: recorded once.
    expect((await ok('handOverRisai', { applicationId: id })).certificate).toBe('handed_over');
    const again = await core.call('staff', 'handOverRisai', { applicationId: id });
    expect(again.ok).toBe(false);
    // City hall records the handover the vehicle sends.
    const detail = RISAI_API.console.application.replace(':id', id);
    await until('the handover at city hall', async () => (await tax.call('GET', detail)).body.handedOverAt);
    expect((await tax.call('GET', detail)).body).toMatchObject({ status: 'issued', printedOn: VEHICLE });
    expect(core.audit.verify()).toMatchObject({ ok: true });
    const actions = core.db.prepare("SELECT action FROM audit_log WHERE action LIKE 'risai.certificate%' OR action = 'risai.handed_over' ORDER BY seq").pluck().all();
    expect(actions).toEqual(['risai.certificate_received', 'risai.certificate_printed', 'risai.handed_over']);
  }, 90_000);
});

// The vehicle's terminal core and the real hub over mutual TLS on 127.0.0.1, with the real printers:
// entered offline, relayed when the hub comes up, approved by an operator, printed, paid, handed over,
// and the personal data gone from the vehicle — through dropped connections and restarts.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../electron/core/clock';
import { KeyFileProvider } from '../../electron/core/crypto';
import { loadFeeTable } from '../../electron/core/fees';
import { HttpsHubTransport, loadEnrollment } from '../../electron/core/hub-transport';
import { TerminalCore } from '../../electron/core/terminal';
import { receiptProfiles } from '../../native/printer/config';
import { EscposEmulator } from '../../native/printer/escpos-emulator';
import { EscposReceiptPrinter } from '../../native/printer/escpos-printer';
import { IppCertificatePrinter } from '../../native/printer/ipp-printer';
import { demoStaff, feesFile, juminhyoRequest, staffFile, tempDir } from '../support/fixtures';
import { approverCredentials, operatorClient, startTestHub, type TestHub } from '../support/hub';
import { startTestIppPrinter, type TestIppPrinter } from '../support/ippeveprinter';
import { contractOn } from '../support/contract';

let tmp: ReturnType<typeof tempDir>;
let ipp: TestIppPrinter;
let emulator: EscposEmulator;
let hub: TestHub | null;
let core: TerminalCore;
const { ok } = contractOn(() => core);
let enrollmentDir: string;
let hubPort: number;
const clock = new ManualClock(new Date('2026-11-24T02:30:00.000Z'));

function startCore(hubUrl: string): TerminalCore {
  const creds = loadEnrollment(enrollmentDir, hubUrl);
  const c = new TerminalCore({
    dataDir: join(tmp.dir, 'vehicle'),
    keys: new KeyFileProvider(join(tmp.dir, 'vehicle', 'data.key')),
    fees: loadFeeTable(feesFile),
    place: 'vehicle-north-1',
    clock,
    printers: {
      certificate: new IppCertificatePrinter({ uri: ipp.uri, jobTimeoutMs: 20_000 }),
      receipt: new EscposReceiptPrinter({ host: '127.0.0.1', port: emulator.port, profile: receiptProfiles['kanji-80mm'], jobTimeoutMs: 5_000 }),
    },
    hub: { transport: new HttpsHubTransport(creds, 3_000), printSigningKey: creds.printSigningKey, retry: { baseMs: 50, maxMs: 200 } },
  });
  c.staff.seedFromFile(staffFile);
  return c;
}


async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeEach(async () => {
  tmp = tempDir();
  ipp = await startTestIppPrinter();
  emulator = new EscposEmulator();
  await emulator.start();
  hub = await startTestHub({ dataDir: join(tmp.dir, 'hub') });
  hubPort = hub.hub.port;
  enrollmentDir = (await hub.enroll('vehicle-north-1')).dir;
});
afterEach(async () => {
  await core?.close();
  await hub?.stop();
  await emulator.stop();
  await ipp.dispose();
  tmp.remove();
});

describe('a certificate through the vehicle and city hall', () => {
  it('relays when the hub comes back, prints the approved certificate once, and purges personal data after handover', async () => {
    // City hall is unreachable while the request is entered (the VPN is down on the road).
    await hub!.stop();
    hub = null;
    core = startCore(`https://127.0.0.1:${hubPort}`);
    core.startTimers();
    await ok('signIn', demoStaff);
    const { id } = await ok('createRequest', juminhyoRequest());
    await ok('checkIdentity', { id, identity: { documents: [{ kind: 'drivers_license', last4: '1234' }] } });
    await ok('showToResident', { id });
    await ok('confirmAsResident', { requestId: id }, 'resident');
    await until('a failed delivery attempt', () => (core.db.prepare('SELECT attempts FROM outbox').pluck().get() as number) >= 1);
    expect(await ok('getRelayStatus', {})).toMatchObject({ online: false, waiting: 1 });

    // City hall comes back on the same address; the retry delivers without anyone pressing a button.
    hub = await startTestHub({ dataDir: join(tmp.dir, 'hub'), port: hubPort });
    await until('relay', async () => (await ok('getRequest', { id })).step === 'relayed');
    await until('online', async () => (await ok('getRelayStatus', {})).online);
    expect(await ok('getRelayStatus', {})).toMatchObject({ online: true, waiting: 0 });

    // An operator approves in the console API; the signed print job comes back and prints.
    const operator = operatorClient(hub.hub.url, hub.hub.caCert);
    expect((await operator.signIn(approverCredentials.operatorId, approverCredentials.password)).status).toBe(200);
    const approved = await operator.call('POST', `/api/v1/console/requests/${id}/approve`, {});
    expect(approved.status).toBe(200);
    await until('printed', async () => (await ok('getRequest', { id })).step === 'printed');
    expect(readdirSync(ipp.spoolDir).filter((f) => f.endsWith('.pdf'))).toHaveLength(1);

    await ok('checkPrinted', { id, ok: true });
    await ok('recordPayment', { id, payment: { method: 'cash', tenderedYen: 500 } });
    await emulator.waitForReceipts(1);
    expect(emulator.receipts[0]!.text).toContain('おつり');
    await ok('handOver', { id });

    await until('purge', () => core.db.prepare('SELECT purged_at FROM requests WHERE id = ?').pluck().get(id) as string | null);
    expect((await core.call('staff', 'getRequest', { id })).ok).toBe(false);
    expect(core.db.prepare('SELECT COUNT(*) FROM outbox').pluck().get()).toBe(0);
    // Certificate documents do not stay on the vehicle after printing.
    expect(core.db.prepare("SELECT length(payload_sealed) FROM print_jobs WHERE kind = 'certificate'").pluck().get()).toBe(0);
    // Nothing printed twice.
    expect(readdirSync(ipp.spoolDir).filter((f) => f.endsWith('.pdf'))).toHaveLength(1);
    expect(emulator.receipts).toHaveLength(1);
    expect(core.audit.verify()).toMatchObject({ ok: true });
  }, 60_000);

  it('misses nothing decided while the vehicle was off: the restarted terminal pulls the decision and the print job', async () => {
    core = startCore(hub!.hub.url);
    core.startTimers();
    await ok('signIn', demoStaff);
    const { id } = await ok('createRequest', juminhyoRequest());
    await ok('checkIdentity', { id, identity: { documents: [{ kind: 'passport', last4: '5678' }] } });
    await ok('showToResident', { id });
    await ok('confirmAsResident', { requestId: id }, 'resident');
    await until('relay', async () => (await ok('getRequest', { id })).step === 'relayed');

    // The laptop is shut; city hall approves meanwhile.
    await core.close();
    const operator = operatorClient(hub!.hub.url, hub!.hub.caCert);
    await operator.signIn(approverCredentials.operatorId, approverCredentials.password);
    expect((await operator.call('POST', `/api/v1/console/requests/${id}/approve`, {})).status).toBe(200);

    core = startCore(hub!.hub.url);
    core.startTimers();
    await ok('signIn', demoStaff);
    await until('printed after reconnect', async () => (await ok('getRequest', { id })).step === 'printed');
    expect(readdirSync(ipp.spoolDir).filter((f) => f.endsWith('.pdf'))).toHaveLength(1);
    // Pulling again applies nothing twice.
    await core.sync!.syncNow();
    expect(readdirSync(ipp.spoolDir).filter((f) => f.endsWith('.pdf'))).toHaveLength(1);
    expect(core.audit.forRequest(id).filter((r) => r.action === 'request.approved')).toHaveLength(1);
  }, 60_000);
  it('after a spoiled sheet asks city hall for a reprint, and prints the reprint the operator approves once', async () => {
    core = startCore(hub!.hub.url);
    core.startTimers();
    await ok('signIn', demoStaff);
    const { id } = await ok('createRequest', juminhyoRequest());
    await ok('checkIdentity', { id, identity: { documents: [{ kind: 'drivers_license', last4: '2468' }] } });
    await ok('showToResident', { id });
    await ok('confirmAsResident', { requestId: id }, 'resident');
    await until('relay', async () => (await ok('getRequest', { id })).step === 'relayed');
    const operator = operatorClient(hub!.hub.url, hub!.hub.caCert);
    expect((await operator.signIn(approverCredentials.operatorId, approverCredentials.password)).status).toBe(200);
    expect((await operator.call('POST', `/api/v1/console/requests/${id}/approve`, {})).status).toBe(200);
    await until('printed', async () => (await ok('getRequest', { id })).step === 'printed');

    expect((await ok('checkPrinted', { id, ok: false, reason: '印字がかすれている' })).step).toBe('spoiled');
    const reprintRequestId = await until('the reprint request at city hall', () => {
      const sent = core.db.prepare("SELECT id FROM print_reprint_requests WHERE status = 'pending_approval'").pluck().get() as string | undefined;
      return sent !== undefined && (core.db.prepare('SELECT COUNT(*) FROM outbox').pluck().get() as number) === 0 && sent;
    });
    expect((await operator.call('POST', `/api/v1/console/reprints/vehicle-north-1/${reprintRequestId}/decision`, { approve: true })).status).toBe(200);
    await until('reprinted', async () => readdirSync(ipp.spoolDir).filter((f) => f.endsWith('.pdf')).length === 2);
    await until('printed again', async () => (await ok('getRequest', { id })).step === 'printed');
    await until('the decision', () => core.db.prepare('SELECT status FROM print_reprint_requests WHERE id = ?').pluck().get(reprintRequestId) === 'approved');
    await ok('checkPrinted', { id, ok: true });
    expect(readdirSync(ipp.spoolDir).filter((f) => f.endsWith('.pdf'))).toHaveLength(2);
    expect(core.audit.verify()).toMatchObject({ ok: true });
  }, 60_000);
});

// No personal value reaches a log line, on either side. A real hub and a real terminal core, both
// logging at the most verbose level into memory, carry invented residents through the integration
// flows — a request entered, checked, relayed, questioned, approved, printed, paid and handed over;
// one rejected, one cancelled; a next-visit task; a consultation with notes; an insurance link with
// its card numbers; a My Number card read for the identity check (a wrong PIN, then the right one); a
// wrong staff PIN; a malformed message carrying a name — and then every captured line is searched for
// every value the test gave, the card's own data included.
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger';
import { ManualClock } from '../../electron/core/clock';
import { KeyFileProvider } from '../../electron/core/crypto';
import { loadFeeTable } from '../../electron/core/fees';
import { HttpsHubTransport, loadEnrollment } from '../../electron/core/hub-transport';
import { hubOptions, TerminalCore } from '../../electron/core/terminal';
import { addOperator } from '../../hub/server';
import { receiptProfiles } from '../../native/printer/config';
import { EscposEmulator } from '../../native/printer/escpos-emulator';
import { EscposReceiptPrinter } from '../../native/printer/escpos-printer';
import { IppCertificatePrinter } from '../../native/printer/ipp-printer';
import { loadProfile, testCaCertificatePem } from '../../native/card/virtual/index';
import { HUB_API, INSURANCE_LINK_API } from '../../protocol/hub';
import type { RequestInput } from '../../protocol/request';
import { startCardRig, type CardRig } from '../support/card-rig';
import { contractOn } from '../support/contract';
import { demoStaff, feesFile, juminhyoRequest, staffFile, tempDir } from '../support/fixtures';
import { approverCredentials, httpsCall, operatorClient, startTestHub, type TestHub, type VehicleTls } from '../support/hub';
import { testRegistry } from '../support/hub-ports';
import { startTestIppPrinter, type TestIppPrinter } from '../support/ippeveprinter';

const TURN = { urls: ['turn:127.0.0.1:3478?transport=udp'], secret: 'test-only-turn-secret' };

/** Invented people and texts, each distinctive enough that finding it in a line can only be a leak. */
const resident = { name: '鷺沼 澪莉', kana: 'さぎぬま みおり', birthDate: '1961-09-27', address: '福島県いわき市遠野町架空字月見坂9-8-7' };
const proxy = { name: '檜垣 朔太郎', kana: 'ひがき さくたろう', birthDate: '1958-02-19', address: '福島県いわき市川前町架空字星降4-5-6' };
const other = { name: '榊原 透子', kana: 'さかきばら とうこ', birthDate: '1972-12-03', address: '福島県いわき市田人町架空字霧ヶ丘3-1-4' };
const secrets = {
  purpose: '年金事務所へ提出するため（検証用目的）',
  last4: '4817',
  question: '旧姓の併記を希望されているか確認してください（検証用質問）',
  rejectReason: '住所の記載が住民票と一致しないため（検証用却下理由）',
  cancelReason: 'ご本人の申し出により取消（検証用取消理由）',
  phone: '0246991357',
  taskName: '樫村 翠',
  notes: '遺族年金の受給資格について説明した（検証用相談メモ）',
  insurerNumber: '39074121',
  insuredNumber: '55501234',
  insuranceSymbol: '検証記号七',
  wrongStaffPin: '86429753',
  wrongCardPin: '7193',
  deadLetterName: '蓮沼 紗希',
};
/** An invented card in the virtual reader: what it holds is personal data too. */
const card = loadProfile('yoshida-hanako');
const cardHolder = {
  name: card.name, address: card.address, birthDate: `${card.birthDate.slice(0, 4)}-${card.birthDate.slice(4, 6)}-${card.birthDate.slice(6, 8)}`,
};
const cardHolderKana = 'よしだ はなこ';
const personalValues: string[] = [
  ...Object.values(resident), ...Object.values(proxy), ...Object.values(other), ...Object.values(secrets),
  ...Object.values(cardHolder), card.birthDate, card.pin, card.signingPin, card.fakeMyNumber, cardHolderKana,
  // The kana as typed without its space, and the address without the prefecture, as the code may reshape them.
  ...[resident, proxy, other].flatMap((p) => [p.kana.replace(' ', ''), p.address.replace('福島県', '')]),
];

const lines: { side: 'hub' | 'vehicle'; text: string }[] = [];
const capture = (side: 'hub' | 'vehicle') =>
  createLogger({ level: 'trace', destination: new Writable({ write: (c, _e, done) => (lines.push({ side, text: String(c) }), done()) }) });

let tmp: ReturnType<typeof tempDir>;
let rig: CardRig;
let ipp: TestIppPrinter;
let emulator: EscposEmulator;
let hub: TestHub;
let vehicle: VehicleTls;
let core: TerminalCore;
const { ok } = contractOn(() => core);
const clock = new ManualClock(new Date('2026-11-24T02:30:00.000Z'));

async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function relayed(input: RequestInput): Promise<string> {
  const { id } = await ok('createRequest', input);
  await ok('checkIdentity', { id, identity: { documents: [{ kind: 'drivers_license', last4: secrets.last4 }] } });
  await ok('showToResident', { id });
  await ok('confirmAsResident', { requestId: id }, 'resident');
  await until('relay', async () => (await ok('getRequest', { id })).step === 'relayed');
  return id;
}

beforeAll(async () => {
  tmp = tempDir();
  rig = await startCardRig({ logger: capture('vehicle') });
  ipp = await startTestIppPrinter();
  emulator = new EscposEmulator();
  await emulator.start();
  hub = await startTestHub({
    dataDir: join(tmp.dir, 'hub'), logger: capture('hub'), turn: TURN, jpkiCaPem: testCaCertificatePem(),
    registry: testRegistry([{ residentId: 'R9101', name: resident.name.replace(' ', ''), birthDate: resident.birthDate }]),
  });
  vehicle = await hub.enroll('vehicle-north-1');
  const creds = loadEnrollment(vehicle.dir, hub.hub.url);
  core = new TerminalCore({
    dataDir: join(tmp.dir, 'vehicle'),
    keys: new KeyFileProvider(join(tmp.dir, 'vehicle', 'data.key')),
    fees: loadFeeTable(feesFile),
    place: 'vehicle-north-1',
    clock,
    logger: capture('vehicle'),
    card: rig.service,
    printers: {
      certificate: new IppCertificatePrinter({ uri: ipp.uri, jobTimeoutMs: 20_000 }),
      receipt: new EscposReceiptPrinter({ host: '127.0.0.1', port: emulator.port, profile: receiptProfiles['kanji-80mm'], jobTimeoutMs: 5_000 }),
    },
    hub: { ...hubOptions(new HttpsHubTransport(creds, 3_000), creds.printSigningKey), retry: { baseMs: 50, maxMs: 200 } },
  });
  core.staff.seedFromFile(staffFile);
  core.startTimers();
}, 60_000);

afterAll(async () => {
  await core?.close();
  await rig?.stop();
  await hub?.stop();
  await emulator?.stop();
  await ipp?.dispose();
  tmp?.remove();
});

describe('logs on both sides', () => {
  it('hold none of the personal values the flows were given', async () => {
    // A wrong staff PIN first: the refusal is logged, the PIN is not.
    expect((await core.call('staff', 'signIn', { staffId: demoStaff.staffId, pin: secrets.wrongStaffPin })).ok).toBe(false);
    await ok('signIn', demoStaff);
    // A resident PIN typed while no card is being read.
    expect((await core.call('resident', 'submitCardPin', { pin: secrets.wrongCardPin })).ok).toBe(false);

    // The identity check from the My Number card: a wrong PIN, then the right one; the card's 基本4情報 are compared.
    await rig.insert(card.id);
    const { id: cardRequestId } = await ok('createRequest', juminhyoRequest({ subject: { ...cardHolder, kana: cardHolderKana } }));
    await ok('startCardRead', { purpose: 'identity', requestId: cardRequestId });
    expect((await core.call('resident', 'submitCardPin', { pin: secrets.wrongCardPin })).ok).toBe(false);
    expect(await ok('getCardSession', {})).toMatchObject({ stage: 'waiting_pin', triesLeft: 2 });
    await ok('submitCardPin', { pin: card.pin }, 'resident');
    expect((await ok('getRequest', { id: cardRequestId })).step).toBe('identity_checked');
    await ok('cancelRequest', { id: cardRequestId, reason: secrets.cancelReason });
    await rig.pullAll();

    const operator = operatorClient(hub.hub.url, hub.hub.caCert);
    expect((await operator.signIn(approverCredentials.operatorId, approverCredentials.password)).status).toBe(200);

    // Approved after a question, printed, paid, handed over, purged.
    const approvedId = await relayed(juminhyoRequest({ subject: resident }));
    expect((await operator.call('POST', `/api/v1/console/requests/${approvedId}/questions`, { text: secrets.question })).status).toBe(200);
    await until('the question at the vehicle', async () => (await ok('listQuestions', {})).some((q: { text: string }) => q.text === secrets.question));
    expect((await operator.call('POST', `/api/v1/console/requests/${approvedId}/approve`, {})).status).toBe(200);
    await until('printed', async () => (await ok('getRequest', { id: approvedId })).step === 'printed');
    await ok('checkPrinted', { id: approvedId, ok: true });
    await ok('recordPayment', { id: approvedId, payment: { method: 'cash', tenderedYen: 500 } });
    await ok('handOver', { id: approvedId });
    await until('purge', () => core.db.prepare('SELECT purged_at FROM requests WHERE id = ?').pluck().get(approvedId) as string | null);

    // Asked for by a proxy with a purpose, and rejected with a reason.
    const rejectedId = await relayed(juminhyoRequest({ subject: other, requester: { relation: 'proxy', person: proxy, letterOfProxy: true, purpose: secrets.purpose } }));
    expect((await operator.call('POST', `/api/v1/console/requests/${rejectedId}/reject`, { reason: secrets.rejectReason })).status).toBe(200);
    await until('rejected', async () => (await ok('getRequest', { id: rejectedId })).step === 'rejected');

    // Cancelled after relay, with a reason.
    const cancelledId = await relayed(juminhyoRequest({ subject: other }));
    await ok('cancelRequest', { id: cancelledId, reason: secrets.cancelReason });
    await until('the cancellation at the hub', async () => (await operator.call('GET', `/api/v1/console/requests/${cancelledId}`)).body.step === 'cancelled');

    // A resident to call back.
    await ok('addNextVisitTask', { kind: 'insurance_link', name: secrets.taskName, phone: secrets.phone });

    // A consultation with the consultant's notes.
    const tls = { cert: vehicle.cert, key: vehicle.key, ca: vehicle.ca };
    await addOperator(hub.hub.store, { id: 'kato', displayName: '加藤', role: 'consultant', password: 'kato-password-1', actor: 'test' });
    const consultant = operatorClient(hub.hub.url, hub.hub.caCert);
    expect((await consultant.signIn('kato', 'kato-password-1')).status).toBe(200);
    expect((await consultant.call('PUT', '/api/v1/console/consultations/availability', { departments: ['pension'] })).status).toBe(200);
    const call = (await httpsCall(`${hub.hub.url}/api/v1/vehicle/consultations`, { body: { department: 'pension', staffId: 'S0001' }, tls })).body;
    expect((await consultant.call('POST', `/api/v1/console/consultations/${call.id}/accept`, {})).status).toBe(200);
    await consultant.call('POST', `/api/v1/console/consultations/${call.id}/end`, {});
    expect((await consultant.call('PUT', `/api/v1/console/consultations/${call.id}/notes`, { text: secrets.notes })).body.notes).toBe(secrets.notes);

    // An insurance link whose card signature does not verify: refused, with the card numbers in the body.
    const challenge = (await httpsCall(`${hub.hub.url}${INSURANCE_LINK_API.challenge}`, { method: 'POST', tls })).body;
    const link = await httpsCall(`${hub.hub.url}${INSURANCE_LINK_API.complete}`, {
      tls,
      body: {
        challengeId: challenge.challengeId, signature: Buffer.alloc(256, 1).toString('base64'), certificate: Buffer.alloc(64, 2).toString('base64'),
        insurance: { insurerNumber: secrets.insurerNumber, symbol: secrets.insuranceSymbol, number: secrets.insuredNumber, branch: '07' }, staffId: 'S0001',
      },
    });
    expect(link.status).toBeGreaterThanOrEqual(400);

    // A message the hub cannot read, carrying a name: set aside and logged by its code.
    const bad = await httpsCall(`${hub.hub.url}${HUB_API.messages}`, {
      tls,
      body: { messages: [{ type: 'request.submit', idempotencyKey: 'bad-message-0001', requestId: 'bad-request-0001', input: { subject: { name: secrets.deadLetterName } } }] },
    });
    expect(bad.body.results[0]).toMatchObject({ status: 'rejected', code: 'MALFORMED_MESSAGE' });

    // The capture saw the paths that handle personal data (so an empty search below proves something).
    const messages = (side: 'hub' | 'vehicle') => lines.filter((l) => l.side === side).map((l) => (JSON.parse(l.text) as { msg: string }).msg);
    expect(messages('hub')).toEqual(expect.arrayContaining(['request approved; print job queued for the vehicle', 'insurance link refused', 'vehicle message rejected and kept aside']));
    expect(messages('vehicle')).toEqual(expect.arrayContaining(['print job confirmed by the printer', 'card inserted', 'card operation failed']));
    expect(lines.some((l) => l.text.includes(approvedId))).toBe(true);

    const leaks = personalValues.flatMap((value) => {
      // Digits-only values must stand alone, so a timestamp or a port that happens to contain them is not a leak.
      const hit = /^\d+$/.test(value) ? new RegExp(`(?<!\\d)${value}(?!\\d)`) : null;
      return lines.filter((l) => (hit ? hit.test(l.text.replace(/"time":\d+/, '')) : l.text.includes(value))).map((l) => `${l.side}: ${value} in ${l.text.trim()}`);
    });
    expect(leaks).toEqual([]);
  }, 120_000);
});

// An outing worked offline on the terminal core with real printers: a certificate handed over, hand
// tallies, a garbage ticket sold with its receipt (decoded from the ESC/POS bytes), then the outing
// ended. The outbox holds exactly one outing.record, which parses with the contract, carries the
// right counts and no personal data, and goes to city hall once when it is reachable.
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliverResponse, HubEnvelope } from '../../protocol/hub';
import { OutingRecordMessage } from '../../protocol/records';
import { ManualClock } from '../../electron/core/clock';
import { KeyFileProvider } from '../../electron/core/crypto';
import { loadFeeTable } from '../../electron/core/fees';
import { HubUnreachable, type HubTransport, type OutgoingMessage } from '../../electron/core/hub-transport';
import { TerminalCore, type TerminalOptions } from '../../electron/core/terminal';
import { receiptProfiles } from '../../native/printer/config';
import { EscposEmulator } from '../../native/printer/escpos-emulator';
import { EscposReceiptPrinter } from '../../native/printer/escpos-printer';
import { IppCertificatePrinter } from '../../native/printer/ipp-printer';
import { makeSimplePdf } from '../../native/printer/pdf';
import { demoStaff, feesFile, juminhyoRequest, outingCatalog, staffFile, tempDir } from '../support/fixtures';
import { startTestIppPrinter, type TestIppPrinter } from '../support/ippeveprinter';
import { contractOn } from '../support/contract';
import { noCash, noTerminal } from '../support/daily-close';

/** City hall as the vehicle's sync sees it: answers each message by key, or refuses the outing record as a hub from before records does. */
class RecordingHub implements HubTransport {
  readonly vehicleId = 'vehicle-outings-test';
  readonly received: OutgoingMessage[] = [];
  private readonly answered = new Map<string, DeliverResponse['results'][number]>();
  constructor(private readonly knowsOutings: boolean) {}
  async deliver(messages: OutgoingMessage[]): Promise<DeliverResponse> {
    return {
      results: messages.map((m) => {
        const first = this.answered.get(m.idempotencyKey);
        if (first) return { ...first, status: 'duplicate' as const };
        this.received.push(m);
        const answer = m.type === 'outing.record' && !this.knowsOutings
          ? { idempotencyKey: m.idempotencyKey, status: 'rejected' as const, code: 'UNKNOWN_MESSAGE_TYPE' }
          : { idempotencyKey: m.idempotencyKey, status: 'applied' as const };
        this.answered.set(m.idempotencyKey, answer);
        return answer;
      }),
    };
  }
  async inbox(): Promise<{ messages: HubEnvelope[]; latestSeq: number }> {
    return { messages: [], latestSeq: 0 };
  }
  async ack(): Promise<void> {}
  async listen(): Promise<{ close(): void }> {
    throw new HubUnreachable('no push in this test');
  }
  async linkChallenge(): Promise<never> {
    throw new HubUnreachable('not in this test');
  }
  async linkComplete(): Promise<never> {
    throw new HubUnreachable('not in this test');
  }
}

let tmp: ReturnType<typeof tempDir>;
let ipp: TestIppPrinter;
let emulator: EscposEmulator;
let core: TerminalCore;
const { ok, fails } = contractOn(() => core);
let clock: ManualClock;
const signingKey = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();

function startCore(hub?: HubTransport): TerminalCore {
  const options: TerminalOptions = {
    dataDir: tmp.dir,
    keys: new KeyFileProvider(join(tmp.dir, 'data.key')),
    fees: loadFeeTable(feesFile),
    ...outingCatalog(),
    place: 'test-vehicle',
    clock,
    printers: {
      certificate: new IppCertificatePrinter({ uri: ipp.uri, jobTimeoutMs: 20_000 }),
      receipt: new EscposReceiptPrinter({ host: '127.0.0.1', port: emulator.port, profile: receiptProfiles['kanji-80mm'], jobTimeoutMs: 5_000 }),
    },
    ...(hub ? { hub: { transport: hub, printSigningKey: signingKey, retry: { baseMs: 1, maxMs: 4 } } } : {}),
  };
  const c = new TerminalCore(options);
  c.staff.seedFromFile(staffFile);
  return c;
}

/** A certificate request through the seven steps; city hall's part (relay, approval) applied as its messages would. */
async function handOverCertificate(input: ReturnType<typeof juminhyoRequest>, jobId: string): Promise<string> {
  const { id } = await ok('createRequest', input);
  await ok('checkIdentity', { id, identity: { documents: [{ kind: 'drivers_license', last4: '1234' }] } });
  await ok('showToResident', { id });
  await ok('confirmAsResident', { requestId: id }, 'resident');
  core.requests.applyExternal(id, { type: 'RELAY_ACKED' }, 'hub');
  core.requests.applyExternal(id, { type: 'APPROVED' }, 'hub');
  const pdf = await makeSimplePdf({ title: '住民票の写し', pages: [['氏名 磐城 髙子']] });
  expect((await core.printing.printCertificate({ requestId: id, jobId, pdf, copies: input.copies })).state).toBe('done');
  await ok('checkPrinted', { id, ok: true });
  // Offline the fee is taken in cash: the payment terminal needs city hall.
  expect((await fails('recordPayment', { id, payment: { method: 'qr_code' } })).code).toBe('CASHLESS_OFFLINE');
  await ok('recordPayment', { id, payment: { method: 'cash', tenderedYen: 1000 } });
  await ok('handOver', { id });
  return id;
}

/** The outing worked offline, ended; returns the record as the outbox keeps it. */
async function workAnOuting(): Promise<OutingRecordMessage> {
  const started = await ok('startOuting', { kind: 'patrol', place: '川前', staff: ['S0001', 'S0002'] });
  expect(started).toMatchObject({ date: '2026-11-24', kind: 'patrol', place: '川前', endedAt: null });

  // The same resident asks for two copies, then another certificate: one person with 証明書.
  await handOverCertificate(juminhyoRequest({ copies: 2 }), 'job-o-1');
  await handOverCertificate(juminhyoRequest({ kind: 'inkan', juminhyo: undefined }), 'job-o-2');
  await emulator.waitForReceipts(2);

  await ok('tallyOuting', { kind: 'frailty', delta: 1 });
  await ok('tallyOuting', { kind: 'frailty', delta: 1 });
  await ok('tallyOuting', { kind: 'frailty', delta: -1 });
  await ok('tallyOuting', { kind: 'smartphone', delta: 1 });
  for (let i = 0; i < 4; i++) await ok('tallyOuting', { kind: 'explained', delta: 1 });

  // Cashless needs city hall: offline the sale is refused and taken in cash.
  expect((await fails('sellGoods', { itemId: 'sodai_gomi', quantity: 2, method: 'qr_code' })).code).toBe('CASHLESS_OFFLINE');
  const sold = await ok('sellGoods', { itemId: 'sodai_gomi', quantity: 2, method: 'cash', tenderedYen: 2000 });
  expect(sold).toMatchObject({ receiptPrinting: true, outing: { counts: { ticketsSold: 2, salesYen: 1400 } } });
  await emulator.waitForReceipts(3);
  const receipt = emulator.receipts[2]!.text;
  for (const words of ['いわき市', '領　収　書', '粗大ごみ処理券', '￥７００', '２枚', '￥１，４００', '現金', 'お預かり', '￥２，０００', 'おつり', '￥６００', 'G20261124-001', '担当 S0001']) {
    expect(receipt).toContain(words);
  }

  const open = (await ok('getOutingDesk', {})).open;
  expect(open.counts).toEqual({
    services: { certificate: 1, mynumber_card: 0, garbage_ticket: 1, consultation: 0, frailty: 1, smartphone: 1 },
    risai: 0,
    people: 4,
    explained: 4,
    ticketsSold: 2,
    salesYen: 1400,
  });

  const waitingBefore = (await ok('getRelayStatus', {})).waiting;
  clock.advance(3 * 3600_000);
  // The idle lock took the screen meanwhile: staff sign in again to end the outing.
  await ok('signIn', demoStaff);
  // The cash: 1,000 − 400, 1,000 − 700 and 2,000 − 600 in change = 2,300; counted as two 千円札 and three 100円玉.
  const close = { counted: { ...noCash(), 1000: 2, 100: 3 }, reason: null, terminalTotals: noTerminal() };
  const ended = await ok('endOuting', close);
  expect(ended).toMatchObject({ recordPending: true, endedAt: '2026-11-24T03:30:00.000Z', close: { totals: { cash: { expectedYen: 2300, countedYen: 2300, differenceYen: 0 } } } });
  await emulator.waitForReceipts(4);
  const slip = emulator.receipts[3]!.text;
  for (const words of ['日　計　表', '地区定期巡回（川前）', '住民票の写し', '粗大ごみ処理券', '千円札 × ２', '現金在高（計算）', '￥２，３００', '過不足']) expect(slip).toContain(words);
  // The relay indicator counts the waiting outing record like any other message.
  expect((await ok('getRelayStatus', {})).waiting).toBe(waitingBefore + 1);
  expect((await fails('endOuting', close)).code).toBe('NO_OPEN_OUTING');
  expect((await ok('getOutingDesk', {})).open).toBeNull();

  const records = core.outbox.pending(500).filter((m) => m.kind === 'outing.record');
  expect(records).toHaveLength(1);
  return OutingRecordMessage.parse({ ...(records[0]!.payload as object), idempotencyKey: records[0]!.idempotencyKey });
}

beforeEach(async () => {
  clock = new ManualClock(new Date('2026-11-24T00:30:00.000Z'));
  tmp = tempDir();
  ipp = await startTestIppPrinter();
  emulator = new EscposEmulator();
  await emulator.start();
  core = startCore();
  await ok('signIn', demoStaff);
});
afterEach(async () => {
  await core.close();
  await emulator.stop();
  await ipp.dispose();
  tmp.remove();
});

describe('an outing on the vehicle', () => {
  it('is worked offline and queues one outing.record with the counts and no personal data', async () => {
    const record = await workAnOuting();
    expect(record).toMatchObject({
      type: 'outing.record',
      date: '2026-11-24',
      kind: 'patrol',
      place: '川前',
      staff: ['S0001', 'S0002'],
      startedAt: '2026-11-24T00:30:00.000Z',
      endedAt: '2026-11-24T03:30:00.000Z',
      explained: 4,
      sales: [{ item: '粗大ごみ処理券', unitYen: 700, quantity: 2 }],
    });
    expect(record.people).toEqual([{ services: ['certificate'] }, { services: ['frailty'] }, { services: ['smartphone'] }, { services: ['garbage_ticket'] }]);
    const text = JSON.stringify(record);
    for (const personal of ['磐城', '髙子', '高子', 'いわき たかこ', '1953-06-14', '三和町']) expect(text).not.toContain(personal);
    // Nor is anything left in the outing tables that could name the resident once the outing ended.
    const stored = JSON.stringify([
      ...core.db.prepare('SELECT * FROM outings').all(),
      ...core.db.prepare('SELECT * FROM outing_services').all(),
    ]);
    expect(stored).not.toContain('磐城');
    expect(core.db.prepare('SELECT COUNT(*) FROM outing_services WHERE person_key IS NOT NULL').pluck().get()).toBe(0);
    expect(core.db.prepare('SELECT COUNT(*) FROM outings WHERE person_hash_key IS NOT NULL').pluck().get()).toBe(0);
    expect(core.db.prepare("SELECT COUNT(*) FROM audit_log WHERE action IN ('outing.started', 'outing.ended')").pluck().get()).toBe(2);
  });

  it('goes to city hall once when it is reachable again, and is never sent twice', async () => {
    const record = await workAnOuting();
    await core.close();
    const hub = new RecordingHub(true);
    core = startCore(hub);
    await ok('signIn', demoStaff);
    await core.sync!.syncNow();
    const sent = hub.received.filter((m) => m.type === 'outing.record');
    expect(sent).toEqual([record]);
    expect(OutingRecordMessage.safeParse(sent[0]).success).toBe(true);
    expect(core.outbox.pending(500).filter((m) => m.kind === 'outing.record')).toEqual([]);
    expect((await ok('getOutingDesk', {})).lastEnded).toMatchObject({ id: record.outingId, recordPending: false });
    await core.sync!.syncNow();
    expect(hub.received.filter((m) => m.type === 'outing.record')).toHaveLength(1);
  });

  it('is set aside, not retried forever, by a hub that does not know outing records yet', async () => {
    await workAnOuting();
    await core.close();
    const hub = new RecordingHub(false);
    core = startCore(hub);
    await ok('signIn', demoStaff);
    await core.sync!.syncNow();
    await core.sync!.syncNow();
    expect(hub.received.filter((m) => m.type === 'outing.record')).toHaveLength(1);
    expect(core.outbox.setAside()).toEqual([expect.objectContaining({ kind: 'outing.record', code: 'UNKNOWN_MESSAGE_TYPE' })]);
    expect((await ok('getRelayStatus', {})).setAside).toBe(1);
  });
});

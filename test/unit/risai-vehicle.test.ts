// り災証明書 entry on the vehicle with no network: the disaster from the cached list, Japanese messages
// naming the field, the city's photo limits, the application sealed at rest and queued once for city
// hall, the audit trail without personal data.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyFileProvider } from '../../electron/core/crypto';
import { loadFeeTable } from '../../electron/core/fees';
import { TerminalCore } from '../../electron/core/terminal';
import { receiptProfiles } from '../../native/printer/config';
import { EscposEmulator } from '../../native/printer/escpos-emulator';
import { EscposReceiptPrinter } from '../../native/printer/escpos-printer';
import { IppCertificatePrinter } from '../../native/printer/ipp-printer';
import { contractOn } from '../support/contract';
import { demoStaff, feesFile, makeCore, staffFile, tempDir } from '../support/fixtures';
import { fakeJpeg, risaiApplication } from '../support/risai';
import { chunkCount } from '../../protocol/disaster';
import { OutingRecordMessage } from '../../protocol/records';
import { noCash, noTerminal } from '../support/daily-close';

let tmp: ReturnType<typeof tempDir>;
let core: TerminalCore;
const { ok, fails } = contractOn(() => core);
const DISASTER = 'disaster-typhoon-0001';

beforeEach(async () => {
  tmp = tempDir();
  ({ core } = makeCore(tmp.dir));
  await ok('signIn', demoStaff);
});
afterEach(async () => {
  await core.close();
  tmp.remove();
});

/** The list as the last pull from city hall left it, and the city's limits with it. */
function cacheDisaster(selfAssessment = true, limits = { maxPhotos: 2, maxEdgePx: 1600, maxBytes: 200_000 }) {
  core.db
    .prepare('INSERT INTO risai_disasters (id, name, kind, date, area, self_assessment, created_at, pulled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run(DISASTER, '令和5年台風第13号', 'storm_flood', '2023-09-08', '平・内郷', selfAssessment ? 1 : 0, 't', 't');
  core.db.prepare("INSERT INTO meta (key, value) VALUES ('risai_limits', ?)").run(JSON.stringify(limits));
}

const photo = (bytes = 120_000, w = 1600, h = 1200, seed = 1) => ({ jpegBase64: fakeJpeg(w, h, bytes, seed).toString('base64'), takenAt: '2026-11-25T10:00:00+09:00' });

describe('り災証明書 entry on the vehicle, offline', () => {
  it('takes an application with photos within the limits and queues it once, sealed at rest, audited without personal data', async () => {
    expect(await fails('createRisai', risaiApplication(DISASTER))).toMatchObject({ code: 'INVALID_INPUT', fields: [{ path: 'disasterId' }] });
    cacheDisaster();
    expect((await ok('listDisasters', {})).disasters.map((d: { name: string }) => d.name)).toEqual(['令和5年台風第13号']);
    const bad = await fails('createRisai', { ...risaiApplication(DISASTER), applicant: { ...risaiApplication(DISASTER).applicant, kana: 'Taira' } });
    expect(bad).toMatchObject({ code: 'INVALID_INPUT', message: 'ふりがなはひらがなかカタカナで入力してください。', fields: [{ path: 'applicant.kana' }] });

    const draft = await ok('createRisai', risaiApplication(DISASTER));
    expect(draft).toMatchObject({ state: 'draft', number: expect.stringMatching(/^R\d{4}-001$/), photos: [] });
    // 自己判定方式 needs a photo.
    expect(await fails('submitRisai', { applicationId: draft.id })).toMatchObject({ fields: [{ path: 'photos', message: '自己判定方式には被害の写真が1枚以上必要です。' }] });
    expect(await fails('addRisaiPhoto', { applicationId: draft.id, ...photo(250_000) })).toMatchObject({ message: expect.stringMatching(/写真が大きすぎます.*195 KB 以下/) });
    expect(await fails('addRisaiPhoto', { applicationId: draft.id, ...photo(50_000, 2400, 1800) })).toMatchObject({ message: '写真の長い辺が 1600 ピクセルを超えています。縮小してください。' });
    expect(await fails('addRisaiPhoto', { applicationId: draft.id, jpegBase64: Buffer.from('not a photo').toString('base64'), takenAt: '2026-11-25T10:00:00+09:00' })).toMatchObject({
      message: '写真が JPEG として読めません。撮り直してください。',
    });
    await ok('addRisaiPhoto', { applicationId: draft.id, ...photo(120_000, 1600, 1200, 1) });
    const withTwo = await ok('addRisaiPhoto', { applicationId: draft.id, ...photo(90_000, 1200, 1600, 2) });
    expect(withTwo.photos.map((p: { width: number; height: number; chunks: number }) => [p.width, p.height, p.chunks])).toEqual([[1600, 1200, chunkCount(120_000)], [1200, 1600, chunkCount(90_000)]]);
    expect(await fails('addRisaiPhoto', { applicationId: draft.id, ...photo(60_000, 800, 600, 3) })).toMatchObject({ message: '写真は1件の申請につき2枚までです。' });

    const queued = await ok('submitRisai', { applicationId: draft.id });
    expect(queued.state).toBe('queued');
    expect(await fails('submitRisai', { applicationId: draft.id })).toMatchObject({ code: 'RISAI_SUBMITTED' });
    expect(await fails('addRisaiPhoto', { applicationId: draft.id, ...photo(60_000, 800, 600, 4) })).toMatchObject({ code: 'RISAI_SUBMITTED' });
    expect(core.db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'risai.application'").get()).toEqual({ n: 1 });
    expect((await ok('getRelayStatus', {})).waiting).toBe(1);

    const audit = core.db.prepare("SELECT action, detail FROM audit_log WHERE action LIKE 'risai.%' ORDER BY seq").all() as { action: string; detail: string }[];
    expect(audit.map((a) => a.action)).toEqual(['risai.created', 'risai.photo_added', 'risai.photo_added', 'risai.submitted']);
    expect(JSON.stringify(audit)).not.toMatch(/春子|おなはま|0246|試験町/);
    // Sealed at rest: the name, the kana and the address are nowhere in the database's files.
    core.db.pragma('wal_checkpoint(TRUNCATE)');
    const file = readFileSync(join(tmp.dir, 'terminal.sqlite3'));
    for (const text of ['小名浜 春子', 'おなはま はるこ', '試験町']) expect(file.includes(Buffer.from(text)), text).toBe(false);
  });

  it('refuses 自己判定方式 where the disaster does not allow it, and keeps an on-site application without photos', async () => {
    cacheDisaster(false);
    expect(await fails('createRisai', risaiApplication(DISASTER))).toMatchObject({ fields: [{ path: 'survey', message: 'この災害では自己判定方式は使えません。現地調査を選んでください。' }] });
    const draft = await ok('createRisai', risaiApplication(DISASTER, { survey: 'on_site', relation: 'proxy', proxyLetter: true }));
    expect((await ok('submitRisai', { applicationId: draft.id })).state).toBe('queued');
    expect(await fails('pullDisasters', {})).toMatchObject({ code: 'HUB_NOT_CONFIGURED' });
  });
});

describe('the 受付票', () => {
  it('prints on the receipt printer when the application is queued: its number, the disaster, the photos, no name', async () => {
    const emulator = new EscposEmulator();
    await emulator.start();
    const dir = join(tmp.dir, 'printing');
    const printing = new TerminalCore({
      dataDir: dir,
      keys: new KeyFileProvider(join(dir, 'data.key')),
      fees: loadFeeTable(feesFile),
      place: 'test-vehicle',
      printers: {
        // Not used here: only the receipt prints.
        certificate: new IppCertificatePrinter({ uri: 'ipp://127.0.0.1:9/ipp/print', jobTimeoutMs: 1_000 }),
        receipt: new EscposReceiptPrinter({ host: '127.0.0.1', port: emulator.port, profile: receiptProfiles['kanji-80mm'], jobTimeoutMs: 5_000 }),
      },
    });
    try {
      printing.staff.seedFromFile(staffFile);
      const { ok: okHere } = contractOn(() => printing);
      await okHere('signIn', demoStaff);
      printing.db
        .prepare('INSERT INTO risai_disasters (id, name, kind, date, area, self_assessment, created_at, pulled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(DISASTER, '令和5年台風第13号', 'storm_flood', '2023-09-08', '平・内郷', 1, 't', 't');
      const draft = await okHere('createRisai', risaiApplication(DISASTER, { delivery: 'mail' }));
      await okHere('addRisaiPhoto', { applicationId: draft.id, ...photo(100_000) });
      await okHere('submitRisai', { applicationId: draft.id });
      await emulator.waitForReceipts(1);
      const paper = emulator.receipts[0]!.text;
      expect(paper).toContain('受　付　票');
      expect(paper).toContain(draft.number);
      expect(paper).toContain('令和5年台風第13号');
      expect(paper).toMatch(/写真\s+１枚/);
      expect(paper).toMatch(/受け取り\s+郵送/);
      expect(paper).not.toContain('春子');
    } finally {
      await printing.close();
      await emulator.stop();
    }
  });
});

describe('the records of the outing', () => {
  it('counts an applicant once among the people served of the open outing, however many applications, and nothing outside an outing', async () => {
    cacheDisaster();
    const submit = async (overrides: Parameters<typeof risaiApplication>[1] = {}) => {
      const draft = await ok('createRisai', risaiApplication(DISASTER, { survey: 'on_site', ...overrides }));
      await ok('submitRisai', { applicationId: draft.id });
      return draft.id as string;
    };
    // Taken before the outing started: not counted.
    await submit();
    await ok('startOuting', { kind: 'disaster', place: '平', staff: ['S0001'] });
    // The same applicant for a second building (the name typed with a full-width space: the same person),
    // and another applicant.
    const first = await submit();
    await submit({ applicant: { ...risaiApplication(DISASTER).applicant, name: '小名浜　春子' }, property: { ...risaiApplication(DISASTER).property, address: 'いわき市平字試験町9-9' } });
    await submit({ applicant: { ...risaiApplication(DISASTER).applicant, name: '内郷 一夫', kana: 'うちごう かずお', birthDate: '1949-03-03' } });
    // The same application told again (a retried submit) counts nothing more.
    core.outings.risaiApplicationTaken(first, risaiApplication(DISASTER).applicant);
    let v = (await ok('getOutingDesk', {})).open;
    expect(v.counts).toMatchObject({ risai: 2, people: 2, services: { certificate: 0, consultation: 0 } });
    await ok('tallyOuting', { kind: 'frailty', delta: 1 });
    v = (await ok('getOutingDesk', {})).open;
    expect(v.counts).toMatchObject({ risai: 2, people: 3, services: { frailty: 1 } });
    // Nothing of who they were is kept with the counts.
    const stored = JSON.stringify(core.db.prepare('SELECT * FROM outing_services').all());
    for (const text of ['小名浜', '内郷', '1951-06-01']) expect(stored).not.toContain(text);

    await ok('endOuting', { counted: noCash(), reason: null, terminalTotals: noTerminal() });
    const [record] = core.outbox.pending().filter((m) => m.kind === 'outing.record');
    expect(OutingRecordMessage.parse({ ...(record!.payload as object), idempotencyKey: record!.idempotencyKey }).people).toEqual([{ services: ['risai'] }, { services: ['risai'] }, { services: ['frailty'] }]);
  });
});

// The city's records at the hub on both stores: outings a vehicle records, applied once; the counting
// rules (a person once in 計 and once in each service, copies never multiply); the city's 令和4年度
// table imported and reproduced row by row; import refusals by line; the files read back.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { makeClose } from '../support/daily-close';
import type { OutingRecordMessage, RecordsReport, RecordsRow } from '../../protocol/records';
import { summaryLines } from '../../protocol/records';
import { parseCsv } from '../../hub/server/csv';
import { importRecordsCsv, recordsReport, RecordsImportError } from '../../hub/server/records';
import { recordsCsv, recordsPdf } from '../../hub/server/records-files';
import type { KyselyHubStore } from '../../hub/store/store';
import { projectRoot, tempDir } from '../support/fixtures';
import { openTestStore, testStore, vehicleSyncFor } from '../support/hub-store';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function freshStore() {
  const opened = await openTestStore(testStore);
  cleanups.push(() => opened.close());
  await opened.store.transaction((tx) => tx.insertVehicle({ id: 'car-1', enrolledAt: 't', enrolledBy: 'admin' }));
  return opened.store;
}

function syncFor(store: KyselyHubStore) {
  const { sync, close } = vehicleSyncFor(store);
  cleanups.push(close);
  return sync;
}

let seq = 0;
function outing(over: Partial<OutingRecordMessage> = {}): OutingRecordMessage {
  seq++;
  const m = {
    type: 'outing.record' as const, idempotencyKey: `key-outing-${seq}`, outingId: `outing-000${seq}`, date: '2022-10-05', kind: 'patrol' as const, place: '川前',
    staff: ['S1', 'S2'], startedAt: '2022-10-05T09:00:00+09:00', endedAt: '2022-10-05T15:00:00+09:00', people: [], explained: 0, sales: [], ...over,
  };
  return { ...m, close: over.close ?? makeClose({ outingId: m.outingId, closedAt: m.endedAt }) };
}

const fixture = () => readFileSync(join(projectRoot, 'fixtures', 'records', 'r4.csv'), 'utf8');
const at = '2026-11-25T10:00:00.000Z';
const row = (report: RecordsReport, kind: RecordsRow['kind'], place: string | null = null) => report.rows.find((r) => r.kind === kind && r.place === place);
/** A row as the city prints it: 回数, 証明書, マイナンバーカード, ごみ納付券, 相談, フレイル, 計, 説明者数 (null for 「-」). */
const printed = (r: RecordsRow | null | undefined) =>
  r && [r.outings, r.services.certificate, r.services.mynumber_card, r.services.garbage_ticket, r.services.consultation, r.services.frailty, r.people, r.explained];

describe(`records (実績) on ${testStore}`, () => {
  it('reproduces the 令和4年度 table of 002 from the imported fixture: every row, the 地区定期巡回 計, the total and the summary', async () => {
    const store = await freshStore();
    expect(await importRecordsCsv(store, { text: fixture(), by: 'planner', at })).toMatchObject({ rows: 7 });
    const report = await recordsReport(store, { fiscalYear: 2022 });
    expect(report.rows.map((r) => r.place ?? r.kind)).toEqual(['川前', '久之浜・大久', '田人', '中央台', 'on_demand', 'disaster', 'other']);
    expect(printed(row(report, 'patrol', '川前'))).toEqual([5, 0, 5, 1, 12, 9, 27, null]);
    expect(printed(row(report, 'patrol', '久之浜・大久'))).toEqual([6, 2, 30, null, 8, 14, 54, null]);
    expect(printed(row(report, 'patrol', '田人'))).toEqual([6, 0, 1, 0, 8, 14, 23, null]);
    expect(printed(row(report, 'patrol', '中央台'))).toEqual([5, 1, 8, null, 3, 10, 22, null]);
    expect(printed(report.patrolTotal)).toEqual([22, 3, 44, 1, 31, 47, 126, null]);
    expect(printed(row(report, 'on_demand'))).toEqual([9, null, null, null, 5, 104, 109, 20]);
    expect(printed(row(report, 'disaster'))).toEqual([18, null, null, null, null, null, 61, null]);
    expect(printed(row(report, 'other'))).toEqual([10, null, null, null, null, null, null, 746]);
    expect(report.rows.every((r) => r.services.smartphone === null)).toBe(true);
    expect(report.summary).toEqual({
      operations: 59, byKind: { patrol: 22, on_demand: 9, disaster: 18, early_voting: 0, other: 10 }, patrolPlaces: 4, served: 296, risaiApplicants: 0, explained: 766,
    });
    expect(summaryLines(report).slice(0, 2)).toEqual(['■ 運用回数：59回(巡回4地区：22回、予約訪問：9回、り災：18回、その他：10回)', '■ サービス提供者数：296人']);
    // Whole-year rows name no month: a part of the year does not take them.
    const autumn = await recordsReport(store, { fiscalYear: 2022, from: '2022-10', to: '2023-03' });
    expect(autumn.summary.operations).toBe(0);
    expect(autumn.monthly.map((m) => m.month)).toEqual(['2022-10', '2022-11', '2022-12', '2023-01', '2023-02', '2023-03']);
  });

  it('writes the R4 table as CSV (UTF-8 with BOM, or Shift_JIS) and as an A4 PDF that read back as printed', async () => {
    const store = await freshStore();
    await importRecordsCsv(store, { text: fixture(), by: 'planner', at });
    const report = await recordsReport(store, { fiscalYear: 2022 });
    const utf8 = recordsCsv(report);
    expect([...utf8.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = parseCsv(utf8.toString('utf8')).map((r) => r.fields);
    expect(lines[0]).toEqual(['行政 MaaS 令和4年度実績']);
    expect(lines[1]).toEqual(['区分', '場所', '回数', '証明書', 'マイナンバーカード', 'ごみ納付券', '相談', 'フレイル', '計', '説明者数']);
    expect(lines).toContainEqual(['地区定期巡回', '久之浜・大久', '6', '2', '30', '-', '8', '14', '54', '-']);
    expect(lines).toContainEqual(['地区定期巡回', '計', '22', '3', '44', '1', '31', '47', '126', '-']);
    expect(lines).toContainEqual(['予約訪問', '', '9', '-', '-', '-', '5', '104', '109', '20']);
    expect(lines).toContainEqual(['その他', '', '10', '-', '-', '-', '-', '-', '-', '746']);
    expect(lines).toContainEqual(['合計', '', '59', '3', '44', '1', '36', '151', '296', '766']);
    expect(lines).toContainEqual(['■ 運用回数：59回(巡回4地区：22回、予約訪問：9回、り災：18回、その他：10回)']);

    const sjis = recordsCsv(report, 'sjis');
    expect(parseCsv(iconv.decode(sjis, 'cp932')).map((r) => r.fields)).toEqual(lines);

    const tmp = tempDir('odekake-records-');
    cleanups.push(() => tmp.remove());
    const pdfFile = join(tmp.dir, 'r4.pdf');
    writeFileSync(pdfFile, await recordsPdf(report));
    const text = execFileSync('pdftotext', ['-layout', pdfFile, '-'], { encoding: 'utf8' }).split('\n').map((l) => l.replace(/\s+/g, ' ').trim());
    expect(text).toContain('行政 MaaS 令和4年度実績');
    const has = (s: string) => expect(text.some((l) => l.includes(s)), s).toBe(true);
    has('川前 5回 0人 5人 1人 12人 9人 27人 -');
    has('久之浜・大久 6回 2人 30人 - 8人 14人 54人 -');
    has('田人 6回 0人 1人 0人 8人 14人 23人 -');
    has('中央台 5回 1人 8人 - 3人 10人 22人 -');
    has('計 22回 3人 44人 1人 31人 47人 126人 -');
    has('予約訪問 9回 - - - 5人 104人 109人 20人');
    has('り災証明書出張申請受付 18回 - - - - - 61人 -');
    has('その他 10回 - - - - - - 746人');
    has('■ 運用回数：59回(巡回4地区：22回、予約訪問：9回、り災：18回、その他：10回)');
    has('■ サービス提供者数：296人');
  });

  it('refuses Shift_JIS for a place it cannot hold, naming the character, and prints it in the PDF', async () => {
    const store = await freshStore();
    await importRecordsCsv(store, { text: '年度,月,種類,場所,回数,証明書,マイナンバーカード,ごみ納付券,相談,フレイル,計,説明者数\n2023,2023-05,地区定期巡回,𠮷野,1,1,0,0,0,0,1,0\n', by: 'planner', at });
    const report = await recordsReport(store, { fiscalYear: 2023 });
    expect(() => recordsCsv(report, 'sjis')).toThrow(/「𠮷」（U\+20BB7）は Shift_JIS で書けない文字です/);
    expect(recordsCsv(report).toString('utf8')).toContain('𠮷野');
    // The PDF draws it with the face that has it (IPAmj明朝).
    const tmp = tempDir('odekake-records-');
    cleanups.push(() => tmp.remove());
    writeFileSync(join(tmp.dir, 'r5.pdf'), await recordsPdf(report));
    expect(execFileSync('pdftotext', ['-layout', join(tmp.dir, 'r5.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ')).toContain('𠮷野 1回 1人 0人 0人 0人 0人 1人 0人');
  });

  it('counts a person once in 計 and once in each service they received, however many copies', async () => {
    const store = await freshStore();
    const sync = syncFor(store);
    const m = outing({
      people: [
        { services: ['certificate', 'consultation'], departments: ['pension', 'welfare_health'] },
        { services: ['certificate'] },
        { services: ['frailty', 'mynumber_card', 'garbage_ticket'] },
      ],
      explained: 4,
      // Three garbage tickets sold to one person: still one person in ごみ納付券.
      sales: [{ item: 'ごみ処理券（大）', unitYen: 600, quantity: 3 }],
    });
    expect((await sync.deliver('car-1', { messages: [m] })).results).toEqual([{ idempotencyKey: m.idempotencyKey, status: 'applied' }]);
    const report = await recordsReport(store, { fiscalYear: 2022 });
    expect(printed(row(report, 'patrol', '川前'))).toEqual([1, 2, 1, 1, 1, 1, 3, 4]);
    expect(row(report, 'patrol', '川前')!.services.smartphone).toBe(0);
    expect(report.summary).toMatchObject({ operations: 1, served: 3, explained: 4, patrolPlaces: 1 });
    const october = report.monthly.find((x) => x.month === '2022-10')!;
    expect(october).toMatchObject({ people: 3, services: { certificate: 2, consultation: 1, frailty: 1 }, outingsByPlace: { 川前: 1 } });
    const audit = await store.transaction((tx) => tx.listAudit({ action: 'outing.recorded' }));
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.detail)).toEqual({ outingId: m.outingId, kind: 'patrol', people: 3, services: 6, explained: 4, sales: 1 });
  });

  it('counts the り災証明書 applicants of a り災 outing in its 計 and in the summary, in no column, beside the imported year', async () => {
    const store = await freshStore();
    const sync = syncFor(store);
    // The city's 令和4年度 table (its り災 row: 18 runs, 61 people, 「-」 under every service) and one outing the vehicle recorded.
    await importRecordsCsv(store, { text: fixture(), by: 'planner', at });
    const m = outing({
      date: '2022-10-12', kind: 'disaster', place: '平下平窪', startedAt: '2022-10-12T09:00:00+09:00', endedAt: '2022-10-12T15:00:00+09:00',
      people: [{ services: ['risai'] }, { services: ['consultation', 'risai'], departments: ['life_events'] }, { services: ['frailty'] }],
    });
    expect((await sync.deliver('car-1', { messages: [m] })).results).toEqual([{ idempotencyKey: m.idempotencyKey, status: 'applied' }]);
    const report = await recordsReport(store, { fiscalYear: 2022 });
    // 18 + 1 runs, 61 + 3 people; the services the vehicle counts are numbers now (an imported 「-」 plus a count is the count).
    expect(printed(row(report, 'disaster'))).toEqual([19, 0, 0, 0, 1, 1, 64, 0]);
    expect(report.total).toMatchObject({ outings: 60, people: 299 });
    expect(report.summary).toMatchObject({ served: 299, risaiApplicants: 2 });
    expect(summaryLines(report)).toEqual([
      '■ 運用回数：60回(巡回4地区：22回、予約訪問：9回、り災：19回、その他：10回)', '■ サービス提供者数：299人', '■ り災証明書の申請者数：2人', '※ 車両見学・事業説明者数：766人',
    ]);
    expect(report.monthly.find((x) => x.month === '2022-10')).toMatchObject({ people: 3, services: { consultation: 1, frailty: 1 } });
    expect(Object.keys(report.monthly[0]!.services)).not.toContain('risai');
    // A year with no application says nothing of them.
    expect(summaryLines(await recordsReport(store, { fiscalYear: 2023 })).join('')).not.toContain('り災証明書の申請者数');
  });

  it('counts the り災証明書 applications received by disaster and district for the months they were taken in, in the report and its files', async () => {
    const store = await freshStore();
    const run = (text: string) => sql.raw(text).execute(store.db);
    await run("INSERT INTO risai_disasters VALUES ('d-typhoon', '令和5年台風第13号', 'storm_flood', '2023-09-08', '平・内郷', 1, 't', 'admin')");
    await run("INSERT INTO risai_disasters VALUES ('d-quake', '令和4年福島県沖地震', 'earthquake', '2022-03-16', '市内全域', 0, 't', 'admin')");
    let n = 0;
    const application = (disaster: string, district: string, takenAt: string, receivedAt: string) =>
      run(`INSERT INTO risai_applications (id, vehicle_id, number, disaster_id, district, survey, input, status, grade, photo_count, complete_at, staff_id, taken_at, received_at, updated_at)
        VALUES ('app-${++n}', 'car-1', 'R0000-${n}', '${disaster}', '${district}', 'on_site', '{}', 'received', NULL, 0, NULL, 'S1', '${takenAt}', '${receivedAt}', '${receivedAt}')`);
    await application('d-typhoon', '平', '2023-09-12T10:00:00+09:00', '2023-09-12T01:05:00.000Z');
    await application('d-typhoon', '平', '2023-09-13T09:00:00.000Z', '2023-09-13T09:01:00.000Z');
    await application('d-typhoon', '内郷', '2023-09-14T10:00:00+09:00', '2023-09-20T00:00:00.000Z');
    // Taken on 1 October in Tokyo (30 September in UTC): October's, not September's.
    await application('d-typhoon', '内郷', '2023-09-30T15:30:00.000Z', '2023-10-02T00:00:00.000Z');
    await application('d-quake', '小名浜', '2022-04-10T10:00:00+09:00', '2022-04-10T02:00:00.000Z');

    const september = await recordsReport(store, { fiscalYear: 2023, from: '2023-09', to: '2023-09' });
    expect(september.risai).toEqual([{ disaster: '令和5年台風第13号', area: '内郷', applications: 1 }, { disaster: '令和5年台風第13号', area: '平', applications: 2 }]);
    const year = await recordsReport(store, { fiscalYear: 2023 });
    expect(year.risai).toEqual([{ disaster: '令和5年台風第13号', area: '内郷', applications: 2 }, { disaster: '令和5年台風第13号', area: '平', applications: 2 }]);
    expect((await recordsReport(store, { fiscalYear: 2022 })).risai).toEqual([{ disaster: '令和4年福島県沖地震', area: '小名浜', applications: 1 }]);
    expect((await recordsReport(store, { fiscalYear: 2024 })).risai).toEqual([]);

    const lines = parseCsv(recordsCsv(year).toString('utf8')).map((r) => r.fields);
    expect(lines.slice(-6)).toEqual([['※ 車両見学・事業説明者数：0人'], ['り災証明書の申請（災害・地区別）'], ['災害', '地区', '件数'], ['令和5年台風第13号', '内郷', '2'], ['令和5年台風第13号', '平', '2'], ['計', '', '4']]);
    expect(parseCsv(iconv.decode(recordsCsv(year, 'sjis'), 'cp932')).map((r) => r.fields)).toEqual(lines);
    expect(parseCsv(recordsCsv(await recordsReport(store, { fiscalYear: 2024 })).toString('utf8')).map((r) => r.fields).flat().join('')).not.toContain('り災証明書の申請');
  });

  it('applies an outing record once when it is delivered twice, under its key or under a new one, on the bulk and the one-by-one paths', async () => {
    const store = await freshStore();
    const sync = syncFor(store);
    const m = outing({ people: [{ services: ['certificate'] }] });
    await sync.deliver('car-1', { messages: [m] });
    expect((await sync.deliver('car-1', { messages: [m] })).results[0]!.status).toBe('duplicate');
    // The same outing re-queued under a new key: the first record stays.
    const again = { ...m, idempotencyKey: 'key-requeued-1', people: [{ services: ['certificate' as const] }, { services: ['frailty' as const] }] };
    expect((await sync.deliver('car-1', { messages: [again] })).results[0]!.status).toBe('duplicate');
    // Beside a rejected message the batch goes one by one: still once.
    const other = outing({ kind: 'on_demand', place: null, people: [{ services: ['consultation'] }] });
    const batch = await sync.deliver('car-1', { messages: [{ ...m, idempotencyKey: 'key-requeued-2' }, other, { type: 'outing.record', idempotencyKey: 'bad-key-0001' }] });
    expect(batch.results.map((r) => r.status)).toEqual(['duplicate', 'applied', 'rejected']);
    const report = await recordsReport(store, { fiscalYear: 2022 });
    expect(report.summary).toMatchObject({ operations: 2, served: 2, byKind: { patrol: 1, on_demand: 1 } });
    expect(row(report, 'patrol', '川前')!.services.frailty).toBe(0);
  });

  it('reports a month range, and adds imported months and recorded outings into the same rows', async () => {
    const store = await freshStore();
    const sync = syncFor(store);
    await sync.deliver('car-1', {
      messages: [
        outing({ date: '2023-01-11', people: [{ services: ['certificate'] }] }),
        outing({ date: '2023-03-31', people: [{ services: ['frailty'] }, { services: ['frailty', 'consultation'] }] }),
        outing({ date: '2023-04-01', people: [{ services: ['certificate'] }] }),
        outing({ date: '2022-12-31', kind: 'other', place: '防災EXPO', explained: 30 }),
      ],
    });
    await importRecordsCsv(store, {
      text: '年度,月,種類,場所,回数,証明書,マイナンバーカード,ごみ納付券,相談,フレイル,計,説明者数\n2022,2023-02,地区定期巡回,川前,1,-,2,-,-,-,2,-\n',
      by: 'planner', at,
    });
    const report = await recordsReport(store, { from: '2023-01', to: '2023-03' });
    expect(report.fiscalYear).toBe(2022);
    expect(report.rows).toHaveLength(1);
    expect(printed(report.rows[0])).toEqual([3, 1, 2, 0, 1, 2, 5, 0]);
    expect(report.monthly.map((x) => [x.month, x.people])).toEqual([['2023-01', 1], ['2023-02', 2], ['2023-03', 2]]);
    await expect(recordsReport(store, { from: '2023-03', to: '2023-01' })).rejects.toThrow('期間の終わり（2023-01）が始まり（2023-03）より前です。');
    await expect(recordsReport(store, { fiscalYear: 2022, from: '2023-03', to: '2023-04' })).rejects.toThrow(/2022年度（2022-04〜2023-03）の外にあります/);
  });

  it('refuses a bad file with each line and reason, importing nothing, and refuses importing the same rows twice', async () => {
    const store = await freshStore();
    const header = '年度,月,種類,場所,回数,証明書,マイナンバーカード,ごみ納付券,相談,フレイル,計,説明者数';
    const bad = [header, '2022,,地区定期巡回,川前,5回,0人,5人,1人,12人,9人,27人,', '2022,,地区定期巡回,,5,0,0,0,0,0,0,', '2022,2023-04,予約訪問,,9,-,-,-,5,104,109,20',
      '2022,,その他,,十回,-,-,-,-,-,-,746', '2022,,巡回,川前,1,0,0,0,0,0,0,0', '2022,,予約訪問,,1,-,-,-,5,4,3,0', '2022,,地区定期巡回,川前,1,0,0,0,0,0,0,0', '2022,,その他,,1,2'].join('\n');
    const refusal = await importRecordsCsv(store, { text: bad, by: 'planner', at }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(RecordsImportError);
    const problems = (refusal as RecordsImportError).problems;
    expect(problems).toEqual([
      { line: 3, message: '地区定期巡回の行には場所を書いてください。' },
      { line: 4, message: '月（2023-04）が2022年度（2022-04〜2023-03）の外にあります。' },
      { line: 5, message: '回数は0以上の整数か「-」で書いてください（「十回」は読めません）。' },
      { line: 6, message: expect.stringContaining('種類「巡回」は使えません') },
      { line: 7, message: '相談（5人）が計（3人）より多くなっています。 フレイル（4人）が計（3人）より多くなっています。' },
      { line: 8, message: '2行目と同じ年度・月・種類・場所の行です。' },
      { line: 9, message: '列の数が6です（見出しは12列）。' },
    ]);
    expect((refusal as Error).message).toMatch(/^取り込めませんでした（何も取り込んでいません）。\n3行目: 地区定期巡回の行には場所を書いてください。/);
    expect((await recordsReport(store, { fiscalYear: 2022 })).summary.operations).toBe(0);

    await expect(importRecordsCsv(store, { text: 'year,月\n', by: 'planner', at })).rejects.toThrow(/1行目: 見出しに「年度」の列がありません。/);

    await importRecordsCsv(store, { text: fixture(), by: 'planner', at });
    const twice = await importRecordsCsv(store, { text: fixture(), by: 'planner', at }).catch((e: unknown) => e);
    expect((twice as RecordsImportError).problems[0]).toEqual({ line: 2, message: '2022年度の「地区定期巡回・川前」はもう取り込まれています（二重に数えないため取り込みません）。' });
    expect((twice as RecordsImportError).problems).toHaveLength(7);
    expect((await recordsReport(store, { fiscalYear: 2022 })).summary).toMatchObject({ operations: 59, served: 296 });
  });
});

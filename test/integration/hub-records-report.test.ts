// The records report in the console, over real HTTPS with the session cookie, as the city's planning
// staff (企画担当) use it: 令和4年度 imported from the city's printed table answers that table as JSON;
// an invented month-by-month year draws the charts (SVG and PNG, the PNG decoded); the CSV (both
// encodings), the Excel and the PDF read back; other roles are refused and a bad query is named in Japanese.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock';
import { CONSOLE_API } from '../../protocol/console-api';
import { addOperator } from '../../hub/server';
import { parseCsv } from '../../hub/server/csv';
import { importRecordsCsv } from '../../hub/server/records';
import { CHART_SIZE, PNG_SCALE } from '../../hub/server/records-charts';
import { projectRoot, tempDir } from '../support/fixtures';
import { adminCredentials, operatorClient, startTestHub, type TestHub } from '../support/hub';
import { inventedMonthlyYear } from '../support/records';

const clock = new ManualClock(new Date('2026-11-25T01:00:00.000Z'));
const planner = { id: 'K0001', password: 'planning-password-1' };
const R = CONSOLE_API.records;
const tmp = tempDir('odekake-records-report-');


let t: TestHub;
let op: ReturnType<typeof operatorClient>;

beforeAll(async () => {
  t = await startTestHub({ clock });
  await addOperator(t.hub.store, { id: planner.id, displayName: '企画 花子', role: 'planning', password: planner.password, actor: 'test' }, clock);
  await addOperator(t.hub.store, { id: 'O0001', displayName: '証明 太郎', role: 'operator', password: 'operator-password-1', actor: 'test' }, clock);
  const at = clock.now().toISOString();
  await importRecordsCsv(t.hub.store, { text: readFileSync(join(projectRoot, 'fixtures', 'records', 'r4.csv'), 'utf8'), by: 'test', at });
  await importRecordsCsv(t.hub.store, { text: inventedMonthlyYear(), by: 'test', at });
  // 令和6年度: a place name with 𠮷, which Shift_JIS cannot hold.
  await importRecordsCsv(t.hub.store, { text: '年度,月,種類,場所,回数,証明書,マイナンバーカード,ごみ納付券,相談,フレイル,計,説明者数\n2024,,地区定期巡回,𠮷野,1回,1人,0人,0人,0人,0人,1人,\n', by: 'test', at });
  op = operatorClient(t.hub.url, t.hub.caCert);
  expect((await op.signIn(planner.id, planner.password)).status).toBe(200);
});
afterAll(async () => {
  await t?.stop();
  tmp.remove();
});

describe('records report in the console (企画担当)', () => {
  it('answers 令和4年度 as the city printed it: every row, the totals, 59 runs and 296 people served', async () => {
    const res = await op.call('GET', `${R.report}?fiscalYear=2022`);
    expect(res.status).toBe(200);
    const report = res.body;
    expect(report).toMatchObject({ from: '2022-04', to: '2023-03', fiscalYear: 2022 });
    expect(report.summary).toMatchObject({ operations: 59, served: 296, patrolPlaces: 4, byKind: { patrol: 22, on_demand: 9, disaster: 18, early_voting: 0, other: 10 } });
    expect(report.rows.map((r: { kind: string; place: string | null; outings: number }) => [r.kind, r.place, r.outings])).toEqual([
      ['patrol', '川前', 5], ['patrol', '久之浜・大久', 6], ['patrol', '田人', 6], ['patrol', '中央台', 5], ['on_demand', null, 9], ['disaster', null, 18], ['other', null, 10],
    ]);
    expect(report.patrolTotal).toMatchObject({ outings: 22, services: { certificate: 3, mynumber_card: 44, garbage_ticket: 1, consultation: 31, frailty: 47 }, people: 126, explained: null });
    expect(report.rows[4]).toMatchObject({ services: { certificate: null, consultation: 5, frailty: 104 }, people: 109, explained: 20 });
    expect(report.total).toMatchObject({ outings: 59, people: 296, explained: 766 });
  });

  it('draws each month-by-month chart as SVG with its series and months, and as a PNG of the expected size', async () => {
    const services = await op.call('GET', `${R.chartSvg.replace(':chart', 'services')}?fiscalYear=2023`);
    expect(services.status).toBe(200);
    expect(services.headers['content-type']).toMatch(/^image\/svg\+xml/);
    const svg = services.bytes.toString('utf8');
    expect(svg).toMatch(/^<svg[^>]*width="960"/);
    for (const word of ['月別 サービス提供者数', '証明書', 'マイナンバーカード', 'ごみ納付券', '相談', 'フレイル', '4月', '3月', '令和5年度']) expect(svg).toContain(word);
    // The face travels with the picture, so a browser without IPAex shows the same letters.
    expect(svg).toContain('@font-face{font-family:"IPAexMincho"');
    const places = (await op.call('GET', `${R.chartSvg.replace(':chart', 'places')}?fiscalYear=2023&from=2023-10&to=2024-03`)).bytes.toString('utf8');
    for (const word of ['月別 運用回数', '川前', '田人', '予約訪問', '10月', '3月']) expect(places).toContain(word);
    expect(places).not.toContain('>4月<');

    const png = await op.call('GET', `${R.chartPng.replace(':chart', 'places')}?fiscalYear=2023`);
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    const image = PNG.sync.read(png.bytes);
    expect([image.width, image.height]).toEqual([CHART_SIZE.width * PNG_SCALE, CHART_SIZE.height * PNG_SCALE]);
    writeFileSync(join(tmp.dir, 'places.png'), png.bytes);
    // Drawn, not blank: some pixels are the first series' blue (Okabe–Ito #0072B2).
    let blue = 0;
    for (let i = 0; i < image.data.length; i += 4) if (image.data[i] === 0x00 && image.data[i + 1] === 0x72 && image.data[i + 2] === 0xb2) blue++;
    expect(blue).toBeGreaterThan(1000);

    const r4 = (await op.call('GET', `${R.chartSvg.replace(':chart', 'places')}?fiscalYear=2022`)).bytes.toString('utf8');
    expect(r4).toContain('月の分からない取り込み分（59回）はグラフに含まれません');
  });

  it('downloads the table as CSV in UTF-8 with a BOM and in Shift_JIS, naming a character Shift_JIS cannot hold', async () => {
    const utf8 = await op.call('GET', `${R.csv}?fiscalYear=2022`);
    expect(utf8.status).toBe(200);
    expect(utf8.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(utf8.headers['content-disposition']).toBe(`attachment; filename="records_2022.csv"; filename*=UTF-8''${encodeURIComponent('実績_2022年度.csv')}`);
    expect([...utf8.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = parseCsv(utf8.bytes.toString('utf8')).map((r) => r.fields);
    expect(lines[0]).toEqual(['行政 MaaS 令和4年度実績']);
    expect(lines).toContainEqual(['地区定期巡回', '計', '22', '3', '44', '1', '31', '47', '126', '-']);
    expect(lines).toContainEqual(['合計', '', '59', '3', '44', '1', '36', '151', '296', '766']);

    const sjis = await op.call('GET', `${R.csv}?fiscalYear=2022&encoding=sjis`);
    expect(sjis.status).toBe(200);
    expect(sjis.headers['content-type']).toBe('text/csv; charset=Shift_JIS');
    expect(parseCsv(iconv.decode(sjis.bytes, 'cp932')).map((r) => r.fields)).toEqual(lines);

    const refused = await op.call('GET', `${R.csv}?fiscalYear=2024&encoding=sjis`);
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('SJIS_UNMAPPABLE');
    expect(refused.body.message).toContain('「𠮷」（U+20BB7）は Shift_JIS で書けない文字です');
  });

  it('downloads the Excel workbook and the A4 PDF with its table and its chart images', async () => {
    const xlsx = await op.call('GET', `${R.xlsx}?fiscalYear=2022`);
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers['content-disposition']).toContain('filename="records_2022.xlsx"');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.bytes as unknown as ArrayBuffer);
    const rows = book.getWorksheet('実績')!.getSheetValues().filter(Boolean).map((r) => (r as unknown[]).slice(1));
    expect(rows[0]).toEqual(['行政 MaaS 令和4年度実績']);
    expect(rows).toContainEqual(['予約訪問', '', 9, '-', '-', '-', 5, 104, 109, 20]);

    const pdf = await op.call('GET', `${R.pdf}?fiscalYear=2023&from=2023-04&to=2023-09`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toContain('filename="records_2023-04_2023-09.pdf"');
    const file = join(tmp.dir, 'report.pdf');
    writeFileSync(file, pdf.bytes);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/[ \t]+/g, ' ');
    expect(text).toContain('行政 MaaS 実績（2023-04〜2023-09）');
    expect(text).toContain('予約訪問 12回 - - - 6人 36人 42人 12人');
    expect(text).toContain('■ 運用回数：21回(巡回2地区：9回、予約訪問：12回)');
    // The second page holds the two charts, as PNG images of their drawing size times PNG_SCALE.
    const images = execFileSync('pdfimages', ['-list', file], { encoding: 'utf8' }).split('\n').slice(2).filter((l) => l.trim()).map((l) => l.trim().split(/\s+/));
    expect(images.map((cols) => [cols[0], cols[3], cols[4]])).toEqual([
      ['2', String(CHART_SIZE.width * PNG_SCALE), String(CHART_SIZE.height * PNG_SCALE)],
      ['2', String(CHART_SIZE.width * PNG_SCALE), String(CHART_SIZE.height * PNG_SCALE)],
    ]);
  });

  it('is for planning staff and admins only', async () => {
    const certificateOperator = operatorClient(t.hub.url, t.hub.caCert);
    await certificateOperator.signIn('O0001', 'operator-password-1');
    for (const path of [R.report, R.chartSvg.replace(':chart', 'services'), R.chartPng.replace(':chart', 'places'), R.csv, R.xlsx, R.pdf]) {
      const refused = await certificateOperator.call('GET', `${path}?fiscalYear=2022`);
      expect(refused.status, path).toBe(403);
      expect(refused.body.code).toBe('FORBIDDEN_ROLE');
    }
    const nobody = operatorClient(t.hub.url, t.hub.caCert);
    expect((await nobody.call('GET', `${R.report}?fiscalYear=2022`)).status).toBe(401);
    const admin = operatorClient(t.hub.url, t.hub.caCert);
    await admin.signIn(adminCredentials.operatorId, adminCredentials.password);
    expect((await admin.call('GET', `${R.report}?fiscalYear=2022`)).body.summary.served).toBe(296);
  });

  it('refuses a bad query with a 400 whose Japanese message names the field', async () => {
    const cases: [string, string][] = [
      ['', '年度（fiscalYear）を西暦4桁で指定してください（例 2022）。'],
      ['?fiscalYear=R4', '年度（fiscalYear）は西暦4桁で指定してください（例 2022）。'],
      ['?fiscalYear=2022&from=2022-13', '期間の始まり（from）は YYYY-MM の形で指定してください（例 2022-10）。'],
      ['?fiscalYear=2022&from=2022-10&to=2022-05', '期間の終わり（2022-05）が始まり（2022-10）より前です。'],
      ['?fiscalYear=2022&to=2023-06', '期間（2022-04〜2023-06）が2022年度（2022-04〜2023-03）の外にあります。'],
    ];
    for (const [query, message] of cases) {
      const res = await op.call('GET', `${R.report}${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.message, query).toBe(message);
    }
    const csv = await op.call('GET', `${R.csv}?fiscalYear=2022&encoding=latin1`);
    expect(csv.status).toBe(400);
    expect(csv.body.message).toBe('文字コード（encoding）は utf8 か sjis で指定してください。');
    const chart = await op.call('GET', `${R.chartSvg.replace(':chart', 'pie')}?fiscalYear=2022`);
    expect(chart.status).toBe(400);
    expect(chart.body.message).toBe('グラフは services（サービス別）か places（場所別）です。');
  });
});

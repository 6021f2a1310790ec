// `odekake hub import-records` and `odekake hub report` as the city's planning staff run them, on the
// hub's own store: the 令和4年度 table imported once (a second import and a bad file change nothing),
// then written as CSV, Shift_JIS CSV, Excel, PDF and a chart PNG, each read back; a planning operator added.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../hub/server/csv';
import { projectRoot, tempDir } from '../support/fixtures';
import { cliPath } from '../support/host';
import { adminCredentials } from '../support/hub';
import { operatorRoles } from '../../protocol/roles';
import { testHubDatabase, testStore, type TestDatabase } from '../support/postgres';

const tmp = tempDir('odekake-records-cli-');
const dataDir = join(tmp.dir, 'hub');
let database: TestDatabase | null = null;
const odekake = (...args: string[]) => spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', timeout: 60_000 });
const fixture = join(projectRoot, 'fixtures', 'records', 'r4.csv');

beforeAll(async () => {
  database = await testHubDatabase();
  const init = spawnSync(process.execPath, [cliPath, 'hub', 'init', '--data', dataDir, '--password-stdin', ...(database ? ['--db', database.url] : [])], {
    input: `${adminCredentials.password}\n`, encoding: 'utf8',
  });
  expect(init.status, init.stderr).toBe(0);
});
afterAll(async () => {
  await database?.drop();
  tmp.remove();
});

describe(`odekake hub import-records and report on ${testStore}`, () => {
  // Seven runs of the CLI, each a new Node process loading the hub: slow on a busy machine.
  it('imports 令和4年度 once, refuses a bad file by line and a second import, and writes the table as CSV, Excel, PDF and a chart PNG', async () => {
    const bad = join(tmp.dir, 'bad.csv');
    writeFileSync(bad, `${readFileSync(fixture, 'utf8')}2022,,その他,,-,-,-,-,-,-,-,1\n`);
    const refused = odekake('hub', 'import-records', '--data', dataDir, bad);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('[RECORDS_IMPORT_REFUSED]');
    expect(refused.stderr).toContain('9行目: 回数を数字で書いてください（「-」は使えません）。');

    const imported = odekake('hub', 'import-records', '--data', dataDir, fixture);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toBe('実績を 7 行取り込みました。\n');
    const again = odekake('hub', 'import-records', '--data', dataDir, fixture);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('2行目: 2022年度の「地区定期巡回・川前」はもう取り込まれています');

    const csv = join(tmp.dir, 'r4.csv');
    const written = odekake('hub', 'report', '--data', dataDir, '--fy', '2022', '--format', 'csv', '--out', csv);
    expect(written.status, written.stderr).toBe(0);
    expect(written.stdout).toContain('運用回数 59回、サービス提供者数 296人');
    const lines = parseCsv(readFileSync(csv, 'utf8')).map((r) => r.fields);
    expect(lines).toContainEqual(['地区定期巡回', '計', '22', '3', '44', '1', '31', '47', '126', '-']);
    expect(lines).toContainEqual(['■ サービス提供者数：296人']);

    const sjis = join(tmp.dir, 'r4-sjis.csv');
    expect(odekake('hub', 'report', '--data', dataDir, '--fy', '2022', '--format', 'csv', '--encoding', 'sjis', '--out', sjis).status).toBe(0);
    expect(parseCsv(iconv.decode(readFileSync(sjis), 'cp932')).map((r) => r.fields)).toEqual(lines);

    const pdf = join(tmp.dir, 'r4.pdf');
    expect(odekake('hub', 'report', '--data', dataDir, '--fy', '2022', '--format', 'pdf', '--out', pdf).status).toBe(0);
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' }).replace(/[ \t]+/g, ' ');
    expect(text).toContain('予約訪問 9回 - - - 5人 104人 109人 20人');
    expect(text).toContain('■ 運用回数：59回(巡回4地区：22回、予約訪問：9回、り災：18回、その他：10回)');

    const range = odekake('hub', 'report', '--data', dataDir, '--fy', '2022', '--from', '2023-03', '--to', '2023-05', '--format', 'csv', '--out', csv);
    expect(range.status).toBe(1);
    expect(range.stderr).toContain('[BAD_REPORT_RANGE]');
    expect(range.stderr).toContain('2022年度（2022-04〜2023-03）の外にあります');
    // Excel, read back with exceljs: the title, the 予約訪問 row with numbers and 「-」, the summary line.
    const xlsxFile = join(tmp.dir, 'r4.xlsx');
    expect(odekake('hub', 'report', '--data', dataDir, '--fy', '2022', '--format', 'xlsx', '--out', xlsxFile).status).toBe(0);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(xlsxFile);
    const sheet = book.getWorksheet('実績')!;
    const rows = sheet.getSheetValues().filter(Boolean).map((r) => (r as unknown[]).slice(1));
    expect(rows[0]).toEqual(['行政 MaaS 令和4年度実績']);
    expect(rows).toContainEqual(['予約訪問', '', 9, '-', '-', '-', 5, 104, 109, 20]);
    expect(rows).toContainEqual(['地区定期巡回', '計', 22, 3, 44, 1, 31, 47, 126, '-']);
    expect(rows).toContainEqual(['■ 運用回数：59回(巡回4地区：22回、予約訪問：9回、り災：18回、その他：10回)']);

    // A month-by-month chart as PNG, drawn as the console shows it.
    const png = join(tmp.dir, 'r4-places.png');
    const drawn = odekake('hub', 'report', '--data', dataDir, '--fy', '2022', '--format', 'png', '--chart', 'places', '--out', png);
    expect(drawn.status, drawn.stderr).toBe(0);
    const image = PNG.sync.read(readFileSync(png));
    expect([image.width, image.height]).toEqual([1920, 1040]);
    const badChart = odekake('hub', 'report', '--data', dataDir, '--fy', '2022', '--format', 'png', '--chart', 'pie', '--out', png);
    expect(badChart.status).toBe(1);
    expect(badChart.stderr).toContain('グラフは services（サービス別）か places（場所別）です。');
  }, 120_000);

  it('adds a planning operator (企画担当) and refuses a role that does not exist', () => {
    const added = spawnSync(process.execPath, [cliPath, 'hub', 'operator-add', '--data', dataDir, '--id', 'K0001', '--name', '企画 花子', '--role', 'planning'], {
      input: 'planning-password-1\n', encoding: 'utf8',
    });
    expect(added.status, added.stderr).toBe(0);
    expect(added.stdout).toContain('職員 K0001 を登録しました。');
    const unknown = spawnSync(process.execPath, [cliPath, 'hub', 'operator-add', '--data', dataDir, '--id', 'K0002', '--name', '企画', '--role', 'mayor'], { input: 'planning-password-1\n', encoding: 'utf8' });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain(`役割は ${operatorRoles.join(' / ')} のどれかです。`);
    expect(unknown.stderr).toContain('planning');
  });
});

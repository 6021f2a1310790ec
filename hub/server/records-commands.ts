// `odekake hub report` and `odekake hub import-records`: the records report written to a file, and the
// city's earlier tables imported, on the hub's own store (SQLite in its data folder, or PostgreSQL).
import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { AppError } from '../../protocol/errors';
import { RecordsChart } from '../../protocol/records';
import { systemClock, type Clock } from '../clock';
import { openHubStore } from './data-dir';
import { importRecordsCsv, recordsReport } from './records';
import { RecordsCharts } from './records-charts';
import { recordsCsv, recordsPdf, recordsXlsx } from './records-files';

export const ReportFileOptions = z.object({
  format: z.enum(['csv', 'xlsx', 'pdf', 'png'], { error: '形式（--format）は csv・xlsx・pdf・png のいずれかです。' }),
  /** Which chart a PNG is. */
  chart: RecordsChart.default('services'),
  encoding: z.enum(['utf8', 'sjis'], { error: '文字コード（--encoding）は utf8 か sjis です。' }).default('utf8'),
  out: z.string().min(1, { error: '書き出し先（--out）を指定してください。' }),
});

/** Writes the report of a fiscal year or month range; answers what it wrote. */
export async function writeRecordsReport(options: { dataDir: string; db?: string; range: unknown; file: unknown }): Promise<{ out: string; bytes: number; operations: number; served: number }> {
  const file = ReportFileOptions.safeParse(options.file);
  if (!file.success) throw new AppError('BAD_REPORT_OPTIONS', file.error.issues[0]!.message);
  if (file.data.format !== 'csv' && file.data.encoding !== 'utf8') throw new AppError('BAD_REPORT_OPTIONS', '文字コード（--encoding）は CSV のときだけ指定できます。');
  const store = await openHubStore(options.dataDir, options.db);
  try {
    const report = await recordsReport(store, options.range);
    const { format } = file.data;
    const bytes = format === 'csv' ? recordsCsv(report, file.data.encoding)
      : format === 'xlsx' ? await recordsXlsx(report)
      : format === 'png' ? (await RecordsCharts.load()).png(report, file.data.chart)
      : await recordsPdf(report);
    writeFileSync(file.data.out, bytes);
    return { out: file.data.out, bytes: bytes.length, operations: report.summary.operations, served: report.summary.served };
  } finally {
    await store.close();
  }
}

/** Imports a records CSV (docs/records-import.md) in one transaction. */
export async function importRecordsFile(options: { dataDir: string; db?: string; file: string; actor?: string; clock?: Clock }): Promise<{ rows: number; sha256: string }> {
  let text: string;
  try {
    text = readFileSync(options.file, 'utf8');
  } catch {
    throw new AppError('RECORDS_FILE_UNREADABLE', `取り込むファイル（${options.file}）が読めません。場所を確かめてください。`);
  }
  const store = await openHubStore(options.dataDir, options.db);
  try {
    return await importRecordsCsv(store, { text, by: options.actor ?? 'admin-cli', at: (options.clock ?? systemClock).now().toISOString() });
  } finally {
    await store.close();
  }
}

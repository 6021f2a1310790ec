// The records report (実績) in the console, for the planning staff (企画担当) and admins: the city's
// table as JSON, each month-by-month chart as SVG (the page shows it) and PNG, and the files the city
// hands on — CSV (UTF-8 with a BOM, or Shift_JIS on request), Excel and A4 PDF. Read-only GETs: session
// cookie and role, no CSRF token (a download is a plain link). The report holds counts, never a person.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { CONSOLE_API, type ConsoleSession } from '../../protocol/console-api';
import { RecordsChartParam, RecordsCsvQuery, RecordsReportQuery } from '../../protocol/console';
import type { RecordsReport } from '../../protocol/records';
import { coversFiscalYear } from '../../protocol/records-table';
import { RECORDS_VIEW_ROLES, type OperatorRole } from '../../protocol/roles';
import { CertificateFonts } from '../certificates/fonts';
import type { Clock } from '../clock';
import type { HubStore } from '../store/types';
import { parse } from './parse';
import { recordsReport } from './records';
import type { RecordsCharts } from './records-charts';

export interface RecordsRouteDeps {
  store: HubStore;
  clock: Clock;
  /** The signed-in operator with one of `roles`, CSRF checked unless told otherwise. */
  operator(req: FastifyRequest, roles: readonly OperatorRole[], opts?: { csrf: boolean }): Promise<ConsoleSession>;
  place(req: FastifyRequest): string;
  /** The faces and the charts' face; loaded on first use when not given (the hub loads each once). */
  fonts?: () => Promise<CertificateFonts>;
  charts?: () => Promise<RecordsCharts>;
}

/** The SVG carries its own face as an inline @font-face: its own policy lets that style and that font in, and nothing else. */
const SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; font-src data:; frame-ancestors 'none'";

/** Loads once, on first use; a failed load is tried again next time (the administrator may install the face meanwhile). */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    pending ??= load().catch((e: unknown) => {
      pending = null;
      throw e;
    });
    return pending;
  };
}

/** 「実績_2022年度.csv」, 「実績_2022-10_2023-03.pdf」: ASCII for old clients, the Japanese name per RFC 5987. */
function attachment(report: RecordsReport, ext: string): string {
  const whole = coversFiscalYear(report);
  const span = whole ? `${report.fiscalYear}` : `${report.from}_${report.to}`;
  const ascii = `records_${span}.${ext}`;
  const japanese = `実績_${whole ? `${report.fiscalYear}年度` : `${report.from}_${report.to}`}.${ext}`;
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(japanese)}`;
}

export const recordsRoutes: FastifyPluginAsync<RecordsRouteDeps> = async (app, deps) => {
  const { store, clock, operator, place } = deps;
  const fonts = deps.fonts ?? once(() => CertificateFonts.load());
  // ECharts, exceljs and the PDF writer are loaded on the first request that needs them, not at the
  // hub's start: most hubs serve the records page a few times a month.
  const charts = deps.charts ?? once(async () => (await import('./records-charts')).RecordsCharts.load());
  const files = once(() => import('./records-files'));
  const P = CONSOLE_API.records;

  const reportFor = (query: { fiscalYear: number; from?: string; to?: string }) => recordsReport(store, query);
  /** A file taken out of the hub leaves an audit record: who took which table, in which form. */
  const audited = (s: ConsoleSession, req: FastifyRequest, format: string, report: RecordsReport) =>
    store.transaction((tx) => tx.appendAudit({ actor: s.operatorId, action: 'records.downloaded', place: place(req), detail: { format, from: report.from, to: report.to } }, clock.now().toISOString()));
  const download = (reply: FastifyReply, type: string, report: RecordsReport, ext: string, body: Buffer | Uint8Array) =>
    reply.type(type).header('content-disposition', attachment(report, ext)).send(Buffer.from(body));

  app.get(P.report, async (req): Promise<RecordsReport> => {
    await operator(req, RECORDS_VIEW_ROLES, { csrf: false });
    return reportFor(parse(RecordsReportQuery, req.query));
  });

  app.get(P.chartSvg, async (req, reply) => {
    await operator(req, RECORDS_VIEW_ROLES, { csrf: false });
    const { chart } = parse(RecordsChartParam, req.params);
    const report = await reportFor(parse(RecordsReportQuery, req.query));
    const svg = await (await charts()).svg(report, chart);
    return reply.type('image/svg+xml; charset=utf-8').header('content-security-policy', SVG_POLICY).send(svg);
  });

  app.get(P.chartPng, async (req, reply) => {
    await operator(req, RECORDS_VIEW_ROLES, { csrf: false });
    const { chart } = parse(RecordsChartParam, req.params);
    const report = await reportFor(parse(RecordsReportQuery, req.query));
    return reply.type('image/png').send((await charts()).png(report, chart));
  });

  app.get(P.csv, async (req, reply) => {
    const s = await operator(req, RECORDS_VIEW_ROLES, { csrf: false });
    const { encoding, ...range } = parse(RecordsCsvQuery, req.query);
    const report = await reportFor(range);
    const body = (await files()).recordsCsv(report, encoding);
    await audited(s, req, `csv-${encoding}`, report);
    return download(reply, `text/csv; charset=${encoding === 'sjis' ? 'Shift_JIS' : 'utf-8'}`, report, 'csv', body);
  });

  app.get(P.xlsx, async (req, reply) => {
    const s = await operator(req, RECORDS_VIEW_ROLES, { csrf: false });
    const report = await reportFor(parse(RecordsReportQuery, req.query));
    const body = await (await files()).recordsXlsx(report);
    await audited(s, req, 'xlsx', report);
    return download(reply, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', report, 'xlsx', body);
  });

  app.get(P.pdf, async (req, reply) => {
    const s = await operator(req, RECORDS_VIEW_ROLES, { csrf: false });
    const report = await reportFor(parse(RecordsReportQuery, req.query));
    const body = await (await files()).recordsPdf(report, { fonts: await fonts(), charts: await charts() });
    await audited(s, req, 'pdf', report);
    return download(reply, 'application/pdf', report, 'pdf', body);
  });
};

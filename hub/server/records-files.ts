// The records report as files the city's planning staff hand on: CSV (UTF-8 with a BOM for Japanese
// Excel, or Shift_JIS (CP932) for older municipal systems), Excel and an A4 PDF, each the table as the
// city prints it (002 section IV) with the summary lines under it; the PDF adds the month-by-month charts.
import iconv from 'iconv-lite';
import { PDFDocument, rgb } from 'pdf-lib';
import { RECORDS_CHARTS, risaiLines, summaryLines, type RecordsReport } from '../../protocol/records';
import { reportTitle, tableLines } from '../../protocol/records-table';
import { AppError } from '../../protocol/errors';
import { CertificateFonts, type FaceId } from '../certificates/fonts';
import { formatCsv } from './csv';
import { CHART_SIZE, RecordsCharts } from './records-charts';

export type CsvEncoding = 'utf8' | 'sjis';

/** The report as CSV: the title, the table, a blank line and the summary lines. */
export function recordsCsv(report: RecordsReport, encoding: CsvEncoding = 'utf8'): Buffer {
  const { header, lines } = tableLines(report, false);
  const text = formatCsv([[reportTitle(report)], header, ...lines.map((l) => [l.kind, l.place, ...l.cells]), [], ...summaryLines(report).map((s) => [s]), ...(report.risai.length > 0 ? [[], ...risaiLines(report)] : [])]);
  if (encoding === 'utf8') return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
  return toShiftJis(text);
}

/** CP932 bytes, refusing (with every such character named) any text it cannot hold instead of writing 「?」. */
export function toShiftJis(text: string): Buffer {
  const unmappable = [...new Set(text)].filter((ch) => ch !== '?' && iconv.decode(iconv.encode(ch, 'cp932'), 'cp932') !== ch);
  if (unmappable.length > 0) {
    const named = unmappable.map((ch) => `「${ch}」（U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}）`).join('、');
    throw new AppError('SJIS_UNMAPPABLE', `${named}は Shift_JIS で書けない文字です。UTF-8 で書き出すか、その文字を書き換えてください。`);
  }
  return iconv.encode(text, 'cp932');
}

const PT_PER_MM = 72 / 25.4;

/** The text cut where the face that draws it changes. */
function faceRuns(faces: CertificateFonts, text: string): { face: FaceId; text: string }[] {
  const runs: { face: FaceId; text: string }[] = [];
  for (const ch of text) {
    const face = faces.faceFor(ch.codePointAt(0)!);
    const last = runs[runs.length - 1];
    if (last?.face === face) last.text += ch;
    else runs.push({ face, text: ch });
  }
  return runs;
}

/**
 * The report on one A4 landscape page (more pages when the places do not fit), the summary under the
 * table, then a page with the month-by-month charts as the console shows them (their PNG).
 * Load the faces and the charts once and pass them in; they are loaded per call otherwise.
 */
export async function recordsPdf(report: RecordsReport, opts: { fonts?: CertificateFonts; charts?: RecordsCharts } = {}): Promise<Uint8Array> {
  const faces = opts.fonts ?? (await CertificateFonts.load());
  const charts = opts.charts ?? (await RecordsCharts.load());
  const { header, lines } = tableLines(report, true);
  const title = reportTitle(report);
  const summary = summaryLines(report);
  const doc = await PDFDocument.create();
  // Fixed dates and names: the same report gives the same bytes.
  doc.setCreationDate(new Date(0));
  doc.setModificationDate(new Date(0));
  doc.setTitle(title);
  doc.setProducer('odekake');
  doc.setCreator('odekake');
  const allText = [title, ...header, ...lines.flatMap((l) => [l.kind, l.place, ...l.cells]), ...summary].join('');
  const embedded = await faces.embed(doc, allText);
  const width = 297 * PT_PER_MM;
  const height = 210 * PT_PER_MM;
  const margin = 15 * PT_PER_MM;
  const size = 10;
  const rowH = 8 * PT_PER_MM;
  const kindW = 42 * PT_PER_MM;
  const placeW = 32 * PT_PER_MM;
  const numW = (width - 2 * margin - kindW - placeW) / (header.length - 2);
  const colX = [margin, margin + kindW, ...header.slice(2).map((_, i) => margin + kindW + placeW + i * numW), width - margin];
  const black = rgb(0, 0, 0);
  const draw = (page: ReturnType<PDFDocument['addPage']>, text: string, x: number, y: number, align: 'left' | 'right' | 'center', w: number, fontSize = size) => {
    const tw = faces.widthOf(text, fontSize);
    let left = align === 'left' ? x + 4 : align === 'right' ? x + w - 4 - tw : x + (w - tw) / 2;
    // A place name may hold a character only IPAmj明朝 has (𠮷): each run is drawn with the face that has it.
    for (const run of faceRuns(faces, text)) {
      const font = run.face === 'fallback' && embedded.fallback ? embedded.fallback : embedded.main;
      page.drawText(run.text, { x: left, y, size: fontSize, font, color: black });
      left += faces.widthOf(run.text, fontSize);
    }
  };
  const perPage = Math.floor((height - 2 * margin - 30 - 3 * rowH - summary.length * 16) / rowH);
  for (let start = 0; start < lines.length || start === 0; start += perPage) {
    const page = doc.addPage([width, height]);
    let y = height - margin;
    draw(page, title, margin, y - 14, 'left', width - 2 * margin, 14);
    y -= 30;
    const rowsHere = [header, ...lines.slice(start, start + perPage).map((l, i, arr) => {
      // 区分 is written once per run of the same kind, as the printed table merges its cells.
      const prev = i > 0 ? arr[i - 1]! : start > 0 ? lines[start - 1]! : null;
      return [prev?.kind === l.kind ? '' : l.kind, l.place, ...l.cells];
    })];
    for (const [r, cells] of rowsHere.entries()) {
      const top = y - r * rowH;
      page.drawLine({ start: { x: margin, y: top }, end: { x: width - margin, y: top }, thickness: 0.5, color: black });
      cells.forEach((text, c) => draw(page, text, colX[c]!, top - rowH + 7, r === 0 ? 'center' : c < 2 ? 'left' : 'right', colX[c + 1]! - colX[c]!, r === 0 && text.length > 5 ? 8 : size));
    }
    const bottom = y - rowsHere.length * rowH;
    page.drawLine({ start: { x: margin, y: bottom }, end: { x: width - margin, y: bottom }, thickness: 0.5, color: black });
    for (const x of colX) page.drawLine({ start: { x, y }, end: { x, y: bottom }, thickness: 0.5, color: black });
    if (start + perPage >= lines.length) summary.forEach((s, i) => draw(page, s, margin, bottom - 20 - i * 16, 'left', width - 2 * margin));
  }
  // The charts carry their own titles; two to a page, one above the other, as wide as the height allows.
  const chartPage = doc.addPage([width, height]);
  const gap = 6 * PT_PER_MM;
  const chartH = (height - 2 * margin - gap) / RECORDS_CHARTS.length;
  const chartW = Math.min(width - 2 * margin, (chartH * CHART_SIZE.width) / CHART_SIZE.height);
  for (const [i, chart] of RECORDS_CHARTS.entries()) {
    const image = await doc.embedPng(charts.png(report, chart));
    chartPage.drawImage(image, { x: (width - chartW) / 2, y: height - margin - (i + 1) * chartH - i * gap, width: chartW, height: (chartW * CHART_SIZE.height) / CHART_SIZE.width });
  }
  return doc.save({ useObjectStreams: false });
}

/**
 * The report as an Excel workbook (exceljs): one sheet with the title, the table as the city prints it
 * (counts as numbers, 「-」 as text where a service was not offered) and the summary lines under it.
 */
export async function recordsXlsx(report: RecordsReport): Promise<Buffer> {
  const { Workbook } = (await import('exceljs')).default;
  const book = new Workbook();
  book.creator = 'お出かけ市役所';
  const sheet = book.addWorksheet('実績', { pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 } });
  const { header, lines } = tableLines(report, false);
  sheet.addRow([reportTitle(report)]).font = { bold: true, size: 14 };
  const head = sheet.addRow(header);
  head.font = { bold: true };
  head.eachCell((c) => {
    c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE3EEFA' } };
    c.border = { bottom: { style: 'thin' } };
  });
  for (const l of lines) {
    const row = sheet.addRow([l.kind, l.place, ...l.cells.map((c) => (c === '-' ? '-' : Number(c)))]);
    if (l.total) row.font = { bold: true };
    row.eachCell((c, col) => {
      if (col > 2) c.alignment = { horizontal: 'right' };
    });
  }
  sheet.addRow([]);
  for (const s of summaryLines(report)) sheet.addRow([s]);
  if (report.risai.length > 0) {
    sheet.addRow([]);
    const [heading, columns, ...rows] = risaiLines(report);
    sheet.addRow(heading!).font = { bold: true };
    sheet.addRow(columns!).font = { bold: true };
    for (const r of rows) sheet.addRow([r[0], r[1], Number(r[2])]);
  }
  sheet.columns.forEach((c, i) => (c.width = i === 0 ? 26 : i === 1 ? 16 : 12));
  return Buffer.from(await book.xlsx.writeBuffer());
}

// The records report's month-by-month charts, drawn on the hub with Apache ECharts' server-side SVG
// renderer (no DOM, no browser): people per service and 運用回数 per place or kind, April to March or
// the months asked for. The console page shows the SVG, the PNG and the PDF are that same SVG drawn by
// resvg with the IPAex face the certificates use (no system fonts), so all three show one picture.
import { readFile } from 'node:fs/promises';
import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import subsetFont from 'subset-font';
import { AppError } from '../../protocol/errors';
import { outingKindLabel, recordsChartTitle, recordServiceLabel, type RecordsChart, type RecordsReport } from '../../protocol/records';
import { reportTitle, shownServices } from '../../protocol/records-table';
import { defaultFontFiles } from '../certificates/fonts';

/** The drawing size of a chart in CSS pixels; the PNG is drawn at PNG_SCALE times that. */
export const CHART_SIZE = { width: 960, height: 520 } as const;
export const PNG_SCALE = 2;

/** The family name IPAex明朝 gives itself: the SVG asks for it, resvg finds it in the one font file it is given. */
const FONT_FAMILY = 'IPAexMincho';

/**
 * Told apart in print and by colour-blind readers: Okabe–Ito, then Paul Tol's muted set, then grey and
 * black — sixteen, so a city with many patrol places and every kind of outing repeats no colour.
 */
const PALETTE = [
  '#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#332288',
  '#117733', '#AA4499', '#88CCEE', '#882255', '#DDCC77', '#44AA99', '#999999', '#000000',
];

function monthLabels(report: RecordsReport): string[] {
  // Inside one fiscal year 「4月」 is unambiguous; a range across years names the year too.
  const oneYear = report.fiscalYear !== null;
  return report.monthly.map((m) => {
    const [y, mm] = m.month.split('-').map(Number) as [number, number];
    return oneYear ? `${mm}月` : `${y}年${mm}月`;
  });
}

/** The places and kinds in the order of the table's rows: 地区定期巡回's places, then the other kinds. */
function placeSeriesNames(report: RecordsReport): string[] {
  const inTable = report.rows.map((r) => (r.kind === 'patrol' ? r.place ?? '' : outingKindLabel[r.kind]));
  const inMonths = new Set(report.monthly.flatMap((m) => Object.keys(m.outingsByPlace)));
  return [...inTable.filter((n) => inMonths.has(n)), ...[...inMonths].filter((n) => !inTable.includes(n)).sort((a, b) => a.localeCompare(b, 'ja'))];
}

/** What the months do not show: rows the city imported as a year's total, with no month. */
function unmonthlyNote(report: RecordsReport, chart: RecordsChart): string | null {
  const monthly = report.monthly.reduce((n, m) => n + Object.values(m.outingsByPlace).reduce((a, b) => a + b, 0), 0);
  const missing = report.total.outings - monthly;
  if (missing <= 0) return null;
  return chart === 'places'
    ? `※ 月の分からない取り込み分（${missing}回）はグラフに含まれません。`
    : `※ 月の分からない取り込み分（運用${missing}回の提供者）はグラフに含まれません。`;
}

const LEGEND = { fontSize: 17, itemWidth: 22, itemGap: 18, textGap: 5 } as const;

/** How many lines the legend takes across the chart (full-width characters are one em, others about half). */
function legendLineCount(names: string[]): number {
  const room = CHART_SIZE.width - 48;
  let lines = 1;
  let used = 0;
  for (const name of names) {
    const ems = [...name].reduce((n, ch) => n + (ch.charCodeAt(0) > 0xff ? 1 : 0.55), 0);
    const width = LEGEND.itemWidth + LEGEND.textGap + ems * LEGEND.fontSize + LEGEND.itemGap;
    if (used > 0 && used + width > room) {
      lines++;
      used = 0;
    }
    used += width;
  }
  return lines;
}

/** The ECharts option of a chart: pure, so what a chart says is tested without drawing it. */
export function chartOption(report: RecordsReport, chart: RecordsChart): echarts.EChartsCoreOption {
  const months = monthLabels(report);
  const series =
    chart === 'services'
      ? shownServices(report).map((s) => ({ name: recordServiceLabel[s], data: report.monthly.map((m) => m.services[s]) }))
      : placeSeriesNames(report).map((name) => ({ name, data: report.monthly.map((m) => m.outingsByPlace[name] ?? 0) }));
  const note = unmonthlyNote(report, chart);
  const empty = series.every((s) => s.data.every((v) => v === 0));
  const unit = chart === 'services' ? '人' : '回';
  // Many places wrap the legend onto more lines: the plot starts below the last of them.
  const legendLines = legendLineCount(series.map((x) => x.name));
  return {
    animation: false,
    color: PALETTE,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: FONT_FAMILY, fontSize: 16, color: '#1a1a1a' },
    title: {
      text: recordsChartTitle[chart],
      subtext: [reportTitle(report), note].filter(Boolean).join('　'),
      left: 24, top: 14,
      textStyle: { fontFamily: FONT_FAMILY, fontSize: 22, fontWeight: 'bold', color: '#1a1a1a' },
      subtextStyle: { fontFamily: FONT_FAMILY, fontSize: 15, color: '#333333' },
    },
    legend: { type: 'plain', left: 24, right: 24, top: 78, itemGap: LEGEND.itemGap, itemWidth: LEGEND.itemWidth, itemHeight: 14, textStyle: { fontFamily: FONT_FAMILY, fontSize: LEGEND.fontSize } },
    grid: { left: 24, right: 32, top: 110 + 30 * legendLines, bottom: 24, containLabel: true },
    xAxis: { type: 'category', data: months, axisLabel: { fontFamily: FONT_FAMILY, fontSize: 16, color: '#1a1a1a', interval: 0 }, axisTick: { alignWithLabel: true } },
    yAxis: {
      type: 'value', minInterval: 1, name: empty ? '' : unit, nameTextStyle: { fontFamily: FONT_FAMILY, fontSize: 16, color: '#1a1a1a', align: 'right' },
      // With nothing recorded the axis has no scale to show, only the note in the middle.
      axisLabel: { show: !empty, fontFamily: FONT_FAMILY, fontSize: 16, color: '#1a1a1a' }, splitLine: { show: !empty, lineStyle: { color: '#d0d4da' } },
      ...(empty ? { max: 1 } : {}),
    },
    series: series.map((s) => ({ ...s, type: 'bar', stack: 'total', barMaxWidth: 48, emphasis: { disabled: true } })),
    graphic: empty
      ? [{ type: 'text', left: 'center', top: 'middle', style: { text: 'この期間の月別の記録はありません。', fontFamily: FONT_FAMILY, fontSize: 20, fill: '#333333' } }]
      : [],
  };
}

/** Draws a chart as SVG text. The chart is disposed whatever happens: an undisposed one keeps Node running. */
export function renderChartSvg(report: RecordsReport, chart: RecordsChart): string {
  const instance = echarts.init(null, null, { renderer: 'svg', ssr: true, width: CHART_SIZE.width, height: CHART_SIZE.height });
  try {
    instance.setOption(chartOption(report, chart));
    return instance.renderToSVGString();
  } finally {
    instance.dispose();
  }
}

/** The characters a chart's text needs, from the SVG's text nodes (entities decoded). */
function textOf(svg: string): string {
  const chars = new Set<string>();
  for (const m of svg.matchAll(/>([^<]+)</g)) {
    const text = m[1]!.replace(/&#(\d+);/g, (_e, d: string) => String.fromCodePoint(Number(d))).replace(/&#x([0-9a-f]+);/gi, (_e, h: string) => String.fromCodePoint(parseInt(h, 16)))
      .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
    for (const ch of text) chars.add(ch);
  }
  return [...chars].sort().join('');
}

/** The charts of a report as SVG (for the console page) and PNG (for downloads and the PDF), in the IPAex face. */
export class RecordsCharts {
  private constructor(private readonly fontFile: string, private readonly fontBytes: Buffer) {}

  /** Reads the face once per hub (or per command); charts are drawn with it and with nothing else. */
  static async load(fontFile: string = defaultFontFiles.main): Promise<RecordsCharts> {
    try {
      return new RecordsCharts(fontFile, await readFile(fontFile));
    } catch {
      throw new AppError('CHART_FONT_MISSING', `グラフの書体（${fontFile}）が読めません。市役所の管理者が書体を入れてください。`);
    }
  }

  /**
   * The chart as a standalone SVG that carries the subset of the face its text uses, so a browser shows
   * it in IPAex明朝 whether or not the face is installed where the page is read.
   */
  async svg(report: RecordsReport, chart: RecordsChart): Promise<string> {
    const svg = renderChartSvg(report, chart);
    const face = await subsetFont(this.fontBytes, textOf(svg), { targetFormat: 'woff2' });
    const style = `<style>@font-face{font-family:"${FONT_FAMILY}";src:url(data:font/woff2;base64,${Buffer.from(face).toString('base64')}) format("woff2");}</style>`;
    return svg.replace(/^(<svg[^>]*>)/, `$1${style}`);
  }

  /** The chart as PNG, PNG_SCALE times its drawing size, drawn by resvg with the IPAex file only. */
  png(report: RecordsReport, chart: RecordsChart): Buffer {
    const resvg = new Resvg(renderChartSvg(report, chart), {
      fitTo: { mode: 'zoom', value: PNG_SCALE },
      background: '#ffffff',
      font: { loadSystemFonts: false, fontFiles: [this.fontFile], defaultFontFamily: FONT_FAMILY, serifFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
      logLevel: 'off',
    });
    return resvg.render().asPng();
  }
}

// The records report's charts and the page's period, without a hub: which series and months a chart
// holds, what it says about imported year totals that have no month, and how the page names and asks
// for a period.
import { describe, expect, it } from 'vitest';
import { buildRecordsReport, recordsFilter } from '../../hub/server/records';
import { chartOption, renderChartSvg } from '../../hub/server/records-charts';
import type { RecordTotals } from '../../hub/store/types';
import { fiscalYearOfDate, fiscalYearOptions, monthsOf, periodLabel, periodQuery } from '../../renderer/console/records/period';

const counts = (v: number | null) => ({ certificate: v, mynumber_card: v, garbage_ticket: v, consultation: v, frailty: v, smartphone: null });
const noTotals: RecordTotals = { outings: [], services: [], imported: [], monthlyServices: [], monthlyOutings: [], monthlyImported: [], risai: [] };

function report(totals: Partial<RecordTotals>, range: { fiscalYear: number; from?: string; to?: string }) {
  return buildRecordsReport({ ...noTotals, ...totals }, recordsFilter(range));
}

interface Series { name: string; data: number[] }

describe('records charts', () => {
  it('draws people per service and runs per place month by month, April to March, in the order of the table', () => {
    const r = report({
      imported: [
        { kind: 'patrol', place: '川前', firstLine: 2, outings: 2, people: 5, explained: null, ...counts(1) },
        { kind: 'on_demand', place: '', firstLine: 3, outings: 1, people: 4, explained: 1, ...counts(2) },
      ],
      monthlyImported: [
        { month: '2023-05', kind: 'patrol', place: '川前', outings: 2, people: 5, ...counts(1) },
        { month: '2024-03', kind: 'on_demand', place: '', outings: 1, people: 4, ...counts(2) },
      ],
    }, { fiscalYear: 2023 });
    const places = chartOption(r, 'places') as { xAxis: { data: string[] }; series: Series[] };
    expect(places.xAxis.data).toEqual(['4月', '5月', '6月', '7月', '8月', '9月', '10月', '11月', '12月', '1月', '2月', '3月']);
    expect(places.series.map((s) => [s.name, s.data[1], s.data[11]])).toEqual([['川前', 2, 0], ['予約訪問', 0, 1]]);
    const services = chartOption(r, 'services') as { series: Series[]; graphic: unknown[] };
    expect(services.series.map((s) => s.name)).toEqual(['証明書', 'マイナンバーカード', 'ごみ納付券', '相談', 'フレイル']);
    expect(services.series[0]!.data.slice(0, 2)).toEqual([0, 1]);
    expect(services.graphic).toEqual([]);
  });

  it('starts the plot below a legend that wraps when there are many places, and gives each series its own colour', () => {
    const places = ['川前', '久之浜・大久', '田人', '中央台', '遠野', '小川', '好間', '三和', '田人西', '平', '内郷', '勿来'];
    const r = report({
      imported: places.map((place, i) => ({ kind: 'patrol', place, firstLine: i + 2, outings: 1, people: 1, explained: null, ...counts(1) })),
      monthlyImported: places.map((place) => ({ month: '2023-06', kind: 'patrol', place, outings: 1, people: 1, ...counts(1) })),
    }, { fiscalYear: 2023 });
    const many = chartOption(r, 'places') as { grid: { top: number }; series: Series[]; color: string[] };
    const few = chartOption(report({}, { fiscalYear: 2023 }), 'places') as { grid: { top: number } };
    expect(many.series).toHaveLength(12);
    expect(many.grid.top).toBeGreaterThan(few.grid.top);
    expect(new Set(many.color.slice(0, many.series.length)).size).toBe(many.series.length);
  });

  it('says which runs it cannot place in a month, and says so in the middle when no month has any', () => {
    const r = report({ imported: [{ kind: 'patrol', place: '田人', firstLine: 2, outings: 6, people: 23, explained: null, ...counts(0) }] }, { fiscalYear: 2022 });
    const option = chartOption(r, 'places') as { title: { subtext: string }; graphic: { style: { text: string } }[] };
    expect(option.title.subtext).toBe('行政 MaaS 令和4年度実績　※ 月の分からない取り込み分（6回）はグラフに含まれません。');
    expect(option.graphic[0]!.style.text).toBe('この期間の月別の記録はありません。');
  });

  it('names months with their year when a range spans fiscal years, and draws them in the SVG', () => {
    const r = buildRecordsReport(noTotals, { from: '2023-02', to: '2023-05', wholeFiscalYear: null, fiscalYear: null });
    expect((chartOption(r, 'services') as { xAxis: { data: string[] } }).xAxis.data).toEqual(['2023年2月', '2023年3月', '2023年4月', '2023年5月']);
    const svg = renderChartSvg(r, 'services');
    expect(svg).toMatch(/^<svg[^>]*width="960" height="520"/);
    expect(svg).toContain('2023年5月');
  });
});

describe("records page's period", () => {
  it('names fiscal years as the city does and asks for months only when they narrow the year', () => {
    expect(fiscalYearOfDate('2026-03-31')).toBe(2025);
    expect(fiscalYearOfDate('2026-04-01')).toBe(2026);
    const years = fiscalYearOptions(2026);
    expect(years[0]).toEqual({ value: 2026, label: '令和8年度（2026年度）' });
    expect(years.find((y) => y.value === 2022)!.label).toBe('令和4年度（2022年度）');
    expect(years.at(-1)).toEqual({ value: 2019, label: '平成31年度（2019年度）' });
    expect(monthsOf(2022).map((m) => m.value)).toEqual(['2022-04', '2022-05', '2022-06', '2022-07', '2022-08', '2022-09', '2022-10', '2022-11', '2022-12', '2023-01', '2023-02', '2023-03']);
    expect(periodQuery({ fiscalYear: 2022, from: null, to: null })).toBe('fiscalYear=2022');
    expect(periodQuery({ fiscalYear: 2022, from: '2022-10', to: null })).toBe('fiscalYear=2022&from=2022-10');
    expect(periodLabel({ fiscalYear: 2022, from: '2022-10', to: null })).toBe('令和4年度（2022年10月〜2023年3月）');
  });
});

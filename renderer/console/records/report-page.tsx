// The records report page (実績表): choose a fiscal year and, if needed, months inside it; read the
// city's table and its summary lines; see the month-by-month charts the hub draws (the same pictures
// as the PDF and the PNG); download CSV, Excel or PDF.
import { useEffect, useState } from 'react';
import { RECORDS_CHARTS, recordsChartTitle, risaiTotal, summaryLines, type RecordsReport } from '../../../protocol/records';
import { reportTitle } from '../../../protocol/records-table';
import { Banner } from '../banner';
import { todayInTokyo } from '../store';
import { recordsApi, type RecordsFile } from './api';
import { fiscalYearOfDate, fiscalYearOptions, monthsOf, periodLabel, type ReportPeriod } from './period';
import { RecordsTable } from './records-table';

const FILES: { file: RecordsFile; label: string; note: string }[] = [
  { file: 'csv', label: 'CSV（Excel 用）', note: 'UTF-8' },
  { file: 'csv-sjis', label: 'CSV（Shift_JIS）', note: '以前からの市のシステム用' },
  { file: 'xlsx', label: 'Excel', note: '.xlsx' },
  { file: 'pdf', label: 'PDF（A4 横）', note: '表とグラフ' },
];

export function ReportPage() {
  const current = fiscalYearOfDate(todayInTokyo());
  const [period, setPeriod] = useState<ReportPeriod>({ fiscalYear: current, from: null, to: null });
  const [report, setReport] = useState<RecordsReport | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<RecordsFile | null>(null);

  useEffect(() => {
    // An answer for a period no longer chosen is dropped.
    let chosen = true;
    setLoading(true);
    setError(null);
    recordsApi.report(period).then(
      (r) => { if (chosen) setReport(r); },
      (e: unknown) => { if (chosen) { setReport(null); setError(e instanceof Error ? e.message : '実績を読み込めませんでした。'); } },
    ).finally(() => { if (chosen) setLoading(false); });
    return () => { chosen = false; };
  }, [period]);

  const months = monthsOf(period.fiscalYear);
  const download = async (file: RecordsFile) => {
    setBusy(file);
    setError(null);
    setNotice(null);
    try {
      const name = await recordsApi.download(file, period);
      setNotice(`${name} をダウンロードしました。`);
    } catch (e) {
      setError(e instanceof Error ? e.message : 'ダウンロードできませんでした。');
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="records-page">
      <Banner error={error} notice={notice} dismiss={() => { setError(null); setNotice(null); }} />
      <section className="card records-period" aria-labelledby="records-period-title">
        <h2 id="records-period-title">期間を選ぶ</h2>
        <div className="period-fields">
          <div>
            <label htmlFor="records-fiscal-year">年度</label>
            <select id="records-fiscal-year" name="fiscalYear" value={period.fiscalYear} onChange={(e) => setPeriod({ fiscalYear: Number(e.target.value), from: null, to: null })}>
              {fiscalYearOptions(current).map((y) => <option key={y.value} value={y.value}>{y.label}</option>)}
            </select>
          </div>
          <div>
            <label htmlFor="records-from">始まりの月</label>
            <select id="records-from" name="from" value={period.from ?? ''} onChange={(e) => setPeriod({ ...period, from: e.target.value || null })}>
              <option value="">年度のはじめ（4月）</option>
              {months.map((m) => <option key={m.value} value={m.value}>{m.label}</option>)}
            </select>
          </div>
          <div>
            <label htmlFor="records-to">終わりの月</label>
            <select id="records-to" name="to" value={period.to ?? ''} onChange={(e) => setPeriod({ ...period, to: e.target.value || null })}>
              <option value="">年度のおわり（3月）</option>
              {months.map((m) => <option key={m.value} value={m.value}>{m.label}</option>)}
            </select>
          </div>
        </div>
        <p className="period-now" aria-live="polite">表示中：{periodLabel(period)}</p>
      </section>

      {loading && !report && <p className="empty">読み込んでいます…</p>}
      {report && (
        <>
          <section className="card" aria-labelledby="records-table-title" aria-busy={loading}>
            <h1 id="records-table-title">{reportTitle(report)}</h1>
            {report.rows.length === 0 && <p className="empty">この期間の実績はまだありません。</p>}
            <div className="table-scroll">
              <RecordsTable report={report} caption={`運行の種類・地区ごとの運用回数とサービス提供者数（${periodLabel(period)}）`} />
            </div>
            <ul className="summary">
              {summaryLines(report).map((line) => <li key={line}>{line}</li>)}
            </ul>
          </section>

          {report.risai.length > 0 && (
            <section className="card" aria-labelledby="records-risai-title">
              <h2 id="records-risai-title">り災証明書の申請（災害・地区別）</h2>
              <table className="records" data-testid="records-risai">
                <caption>この期間に車両で受け付け、市役所に届いた申請の件数</caption>
                <thead><tr><th scope="col">災害</th><th scope="col">地区</th><th scope="col">件数</th></tr></thead>
                <tbody>
                  {report.risai.map((r) => (
                    <tr key={`${r.disaster}-${r.area}`}><td>{r.disaster}</td><td>{r.area}</td><td className="count">{r.applications}件</td></tr>
                  ))}
                </tbody>
                <tfoot>
                  <tr className="total"><th scope="row" colSpan={2}>計</th><td className="count">{risaiTotal(report)}件</td></tr>
                </tfoot>
              </table>
            </section>
          )}

          <section className="card" aria-labelledby="records-charts-title">
            <h2 id="records-charts-title">月別のグラフ</h2>
            <div className="charts">
              {RECORDS_CHARTS.map((chart) => (
                <figure key={chart} className="chart">
                  <img src={recordsApi.chartSvgUrl(chart, period)} alt={`${recordsChartTitle[chart]}のグラフ（${periodLabel(period)}）`} width={960} height={520} />
                  <figcaption>
                    <a href={recordsApi.chartPngUrl(chart, period)} download={`${chart}.png`}>このグラフを画像（PNG）で保存</a>
                  </figcaption>
                </figure>
              ))}
            </div>
          </section>

          <section className="card" aria-labelledby="records-files-title">
            <h2 id="records-files-title">ファイルで受け取る</h2>
            <div className="row downloads">
              {FILES.map((f) => (
                <button key={f.file} type="button" className="secondary" disabled={busy !== null} onClick={() => void download(f.file)}>
                  {busy === f.file ? '用意しています…' : f.label}<span className="note">{f.note}</span>
                </button>
              ))}
            </div>
          </section>
        </>
      )}
    </div>
  );
}

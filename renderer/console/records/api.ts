// The records report's calls to the hub: the table as JSON, and the files, fetched so a refusal (a
// character Shift_JIS cannot hold) is shown on the page rather than opened as a blank tab.
import { CONSOLE_API } from '../../../protocol/console-api';
import type { RecordsChart, RecordsReport } from '../../../protocol/records';
import { ApiError, callHub } from '../api';
import { periodQuery, type ReportPeriod } from './period';

const P = CONSOLE_API.records;

export type RecordsFile = 'csv' | 'csv-sjis' | 'xlsx' | 'pdf';

/** Where each file is fetched from. */
function fileUrl(file: RecordsFile, period: ReportPeriod): string {
  const q = periodQuery(period);
  switch (file) {
    case 'csv': return `${P.csv}?${q}`;
    case 'csv-sjis': return `${P.csv}?${q}&encoding=sjis`;
    case 'xlsx': return `${P.xlsx}?${q}`;
    case 'pdf': return `${P.pdf}?${q}`;
  }
}

/** The file name the hub gives (RFC 5987 filename*, else filename). */
function fileNameOf(disposition: string | null, fallback: string): string {
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition ?? '');
  if (star) return decodeURIComponent(star[1]!);
  return /filename="([^"]+)"/i.exec(disposition ?? '')?.[1] ?? fallback;
}

export const recordsApi = {
  report: (period: ReportPeriod) => callHub<RecordsReport>('GET', `${P.report}?${periodQuery(period)}`),
  /** The chart's SVG route: the page's <img> points at it. */
  chartSvgUrl: (chart: RecordsChart, period: ReportPeriod) => `${P.chartSvg.replace(':chart', chart)}?${periodQuery(period)}`,
  chartPngUrl: (chart: RecordsChart, period: ReportPeriod) => `${P.chartPng.replace(':chart', chart)}?${periodQuery(period)}`,
  /** Fetches a file and hands it to the browser's download; a refusal throws with the hub's Japanese message. */
  async download(file: RecordsFile, period: ReportPeriod): Promise<string> {
    let res: Response;
    try {
      res = await fetch(fileUrl(file, period), { credentials: 'same-origin' });
    } catch {
      throw new ApiError('NETWORK', '市役所ハブにつながりません。ネットワークを確かめてから、もう一度お試しください。', 0);
    }
    if (!res.ok) {
      const data = (await res.json().catch(() => null)) as { code?: string; message?: string } | null;
      throw new ApiError(data?.code ?? 'UNKNOWN', data?.message ?? `問題が起きました（${res.status}）。`, res.status);
    }
    const name = fileNameOf(res.headers.get('content-disposition'), `records.${file === 'csv-sjis' ? 'csv' : file}`);
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    return name;
  },
};

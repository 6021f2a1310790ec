// printer-state-reasons (RFC 8011 §5.4.12, PWG 5100.x) worded for the riding staff. Keywords may
// carry a severity suffix (-report, -warning, -error); ippeveprinter, for one, reports an empty
// tray as `media-empty-report` while idle, so the meaning is taken from the keyword itself.
import type { PrinterProblem } from './types';

interface ReasonText {
  message: string;
  blocking: boolean;
}

const reasons: Record<string, ReasonText> = {
  'media-empty': { message: '用紙がありません。A4用紙を補充してください。', blocking: true },
  'media-needed': { message: '用紙がありません。A4用紙を補充してください。', blocking: true },
  'media-jam': { message: '用紙が詰まっています。カバーを開けて詰まった用紙を取り除いてください。', blocking: true },
  'media-low': { message: 'A4用紙が残り少なくなっています。予備の用紙を用意してください。', blocking: false },
  'cover-open': { message: 'プリンターのカバーが開いています。カバーを閉じてください。', blocking: true },
  'door-open': { message: 'プリンターの扉が開いています。扉を閉じてください。', blocking: true },
  'input-tray-missing': { message: '給紙トレイが外れています。トレイを奥まで差し込んでください。', blocking: true },
  'output-area-full': { message: '排紙トレイがいっぱいです。印刷された用紙を取り出してください。', blocking: true },
  offline: { message: 'プリンターがオフラインです。電源とケーブル（ネットワーク）を確認してください。', blocking: true },
  shutdown: { message: 'プリンターが停止処理中です。電源を入れ直してください。', blocking: true },
  paused: { message: 'プリンターが一時停止しています。プリンターの操作パネルで再開してください。', blocking: true },
  'toner-empty': { message: 'トナーがありません。トナーを交換してください。', blocking: true },
  'toner-low': { message: 'トナーが残り少なくなっています。予備のトナーを用意してください。', blocking: false },
  'marker-supply-empty': { message: 'インク（トナー）がありません。交換してください。', blocking: true },
  'marker-supply-low': { message: 'インク（トナー）が残り少なくなっています。予備を用意してください。', blocking: false },
  'marker-waste-full': { message: '廃トナー（廃インク）容器がいっぱいです。交換してください。', blocking: true },
  'marker-waste-almost-full': { message: '廃トナー（廃インク）容器がもうすぐいっぱいです。交換を準備してください。', blocking: false },
  'spool-area-full': { message: 'プリンターの受信領域がいっぱいです。しばらく待ってからもう一度印刷してください。', blocking: true },
  'moving-to-paused': { message: 'プリンターが一時停止しようとしています。操作パネルを確認してください。', blocking: true },
  'connecting-to-device': { message: 'プリンターが機器に接続中です。しばらく待ってください。', blocking: false },
};

/** Reasons that describe normal work, not a problem. */
const informational = new Set(['none', 'other-report', 'job-printing', 'identify-printer-requested']);

export function splitSeverity(keyword: string): { reason: string; severity: 'report' | 'warning' | 'error' | undefined } {
  const m = /^(.*)-(report|warning|error)$/.exec(keyword);
  if (m && m[1]) return { reason: m[1], severity: m[2] as 'report' | 'warning' | 'error' };
  return { reason: keyword, severity: undefined };
}

export function reasonToProblem(keyword: string): PrinterProblem | undefined {
  if (informational.has(keyword)) return undefined;
  const { reason, severity } = splitSeverity(keyword);
  const known = reasons[reason];
  if (known) return { code: reason, ...known };
  return {
    code: reason,
    message: `プリンターが状態「${reason}」を報告しています。プリンターの表示を確認してください。`,
    // An unknown reason only blocks printing when the printer itself calls it an error.
    blocking: severity === 'error',
  };
}

/** Turns printer-state (3 idle, 4 processing, 5 stopped) and its reasons into staff messages. */
export function problemsFromPrinterState(state: number, keywords: readonly string[]): PrinterProblem[] {
  const problems: PrinterProblem[] = [];
  const seen = new Set<string>();
  for (const k of keywords) {
    const p = reasonToProblem(k);
    // media-empty and media-needed say the same thing to staff; show it once.
    const key = p?.message;
    if (p && key && !seen.has(key)) {
      seen.add(key);
      problems.push(p);
    }
  }
  if (state === 5 && !problems.some((p) => p.blocking)) {
    problems.push({ code: 'stopped', message: 'プリンターが停止しています。プリンターの表示を確認し、再開してください。', blocking: true });
  }
  return problems;
}

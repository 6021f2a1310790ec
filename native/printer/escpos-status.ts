// Real-time status of an ESC/POS printer: DLE EOT n (10 04 n). Each answer is one byte whose bits
// 1 and 4 are always 1 and bits 0 and 7 always 0; a byte that breaks that is not a status answer
// (the stream is out of step) and is refused rather than guessed at.
import { z } from 'zod';
import type { PrinterProblem } from './types';

export const DLE_EOT_PRINTER = Buffer.from([0x10, 0x04, 0x01]);
export const DLE_EOT_OFFLINE_CAUSE = Buffer.from([0x10, 0x04, 0x02]);
export const DLE_EOT_ROLL_PAPER = Buffer.from([0x10, 0x04, 0x04]);
/** The three requests in one write; the printer answers three bytes in the same order. */
export const STATUS_REQUEST = Buffer.concat([DLE_EOT_PRINTER, DLE_EOT_OFFLINE_CAUSE, DLE_EOT_ROLL_PAPER]);

export const StatusByte = z
  .number()
  .int()
  .min(0)
  .max(255)
  .refine((b) => (b & 0b1001_0011) === 0b0001_0010, 'DLE EOT の応答ではありません（固定ビットが一致しません）。');

export const EscposStatus = z
  .tuple([StatusByte, StatusByte, StatusByte])
  .transform(([printer, cause, roll]) => ({
    offline: (printer & 0x08) !== 0,
    coverOpen: (cause & 0x04) !== 0,
    stoppedByPaperEnd: (cause & 0x20) !== 0,
    error: (cause & 0x40) !== 0,
    nearEnd: (roll & 0x0c) === 0x0c,
    paperEnd: (roll & 0x60) === 0x60,
  }));
export type EscposStatus = z.output<typeof EscposStatus>;

export function parseStatusBytes(bytes: Uint8Array): EscposStatus {
  return EscposStatus.parse([bytes[0], bytes[1], bytes[2]]);
}

/** Staff messages for a status; paper end and cover open explain the offline bit, so it is not repeated. */
export function problemsFromEscpos(s: EscposStatus): PrinterProblem[] {
  const problems: PrinterProblem[] = [];
  if (s.paperEnd || s.stoppedByPaperEnd) {
    problems.push({ code: 'paper-end', message: 'レシート用紙がありません。ロール紙を補充してください。', blocking: true });
  }
  if (s.coverOpen) {
    problems.push({ code: 'cover-open', message: 'レシートプリンターのカバーが開いています。カバーを閉じてください。', blocking: true });
  }
  if (s.error) {
    problems.push({ code: 'error', message: 'レシートプリンターでエラーが起きています。電源を入れ直してください。', blocking: true });
  }
  if (s.offline && problems.length === 0) {
    problems.push({ code: 'offline', message: 'レシートプリンターがオフラインです。電源とケーブルを確認してください。', blocking: true });
  }
  if (s.nearEnd && !s.paperEnd) {
    problems.push({ code: 'paper-near-end', message: 'レシート用紙が残り少なくなっています。予備のロール紙を用意してください。', blocking: false });
  }
  return problems;
}

// Free text never holds a 個人番号: every boundary that takes free text refuses a number that passes
// the My Number check digit, with the Japanese message, and lets ordinary numbers through.
import { describe, expect, it } from 'vitest';
import { CancelReason } from '../../protocol/bookings';
import { AskInput, RejectInput } from '../../protocol/console';
import { CallNotesInput } from '../../protocol/consultation';
import { NextVisitTaskInput } from '../../protocol/ipc';
import { containsMyNumber, isValidMyNumber, myNumberCheckDigit, MY_NUMBER_IN_TEXT } from '../../protocol/my-number';
import { ReasonText } from '../../protocol/request';
import { VisitOutcomeInput } from '../../protocol/visits';

/** A number that passes the check digit, built here from obviously invented leading digits. */
const fakeValid = (first11: string) => `${first11}${myNumberCheckDigit(first11)}`;
const FAKE = fakeValid('00000000123');
/** The same 11 digits with a wrong last digit: twelve digits, but no My Number. */
const NOT_ONE = `${FAKE.slice(0, 11)}${(Number(FAKE[11]) + 1) % 10}`;

describe('a My Number in free text', () => {
  it('is found written straight, grouped 4-4-4, or in full-width digits', () => {
    expect(isValidMyNumber(FAKE)).toBe(true);
    expect(isValidMyNumber(NOT_ONE)).toBe(false);
    const grouped = `${FAKE.slice(0, 4)} ${FAKE.slice(4, 8)}-${FAKE.slice(8)}`;
    const fullWidth = FAKE.replace(/\d/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
    for (const text of [FAKE, `番号は${FAKE}です`, grouped, `個人番号：${fullWidth}`, `${FAKE.slice(0, 4)}　${FAKE.slice(4, 8)}　${FAKE.slice(8)}`]) {
      expect(containsMyNumber(text), text).toBe(true);
    }
  });

  it('leaves ordinary numbers alone: a wrong check digit, phone numbers, 13-digit runs, dates', () => {
    for (const text of [NOT_ONE, '090-1234-5678 に電話', `1${FAKE}`, `${FAKE}0`, '2026-11-25 10:30', '用紙番号 0001-0002', '']) {
      expect(containsMyNumber(text), text).toBe(false);
    }
  });

  const refused: [string, () => { success: boolean; error?: { issues: { message: string }[] } }][] = [
    ['the staff reason (cancel, spoiled sheet)', () => ReasonText.safeParse(`本人の番号 ${FAKE} を控えた`)],
    ['the operator’s rejection reason', () => RejectInput.safeParse({ reason: `${FAKE} の照合ができません` })],
    ['the operator’s question', () => AskInput.safeParse({ text: `個人番号 ${FAKE} で合っていますか` })],
    ['the consultant’s notes', () => CallNotesInput.safeParse({ text: `相談者 ${FAKE}` })],
    ['the name kept for the next visit', () => NextVisitTaskInput.safeParse({ kind: 'insurance_link', name: `磐城 ${FAKE}`, phone: '0246000000' })],
    ['the visit outcome’s reason', () => VisitOutcomeInput.safeParse({ bookingId: 'b-1', outcome: 'absent', reason: `不在 ${FAKE}` })],
    ['the booking cancellation reason', () => CancelReason.safeParse(`取消 ${FAKE}`)],
  ];
  it.each(refused)('is refused in %s, with the Japanese message', (_what, parse) => {
    const result = parse();
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.message)).toContain(MY_NUMBER_IN_TEXT);
  });

  it('does not stop the same fields holding ordinary text', () => {
    expect(ReasonText.safeParse(`用紙番号 ${NOT_ONE} が汚れた`).success).toBe(true);
    expect(RejectInput.safeParse({ reason: '住所が住民記録と一致しません' }).success).toBe(true);
    expect(CallNotesInput.safeParse({ text: '090-1234-5678 に折り返し' }).success).toBe(true);
  });
});

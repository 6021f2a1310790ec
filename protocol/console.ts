// The operator console's HTTP API (served by the hub, same origin): the inputs the hub validates.
// Paths and answer types are in console-api.ts, which the console's bundle imports without zod.
import { z } from 'zod';
import { holdsNoMyNumber, MY_NUMBER_IN_TEXT } from './my-number';
import { BookingInput, CancelReason } from './bookings';
import { entityId, StaffId } from './ids';
import { RecordsChart } from './records';
import { OperatorRole } from './roles';
import { AreaId, CalendarDate } from './visit-rules';

export const SignInInput = z.object({
  operatorId: z.string().min(1, { error: '職員番号を入力してください。' }).max(32),
  password: z.string().min(1, { error: 'パスワードを入力してください。' }).max(200),
});
export const RejectInput = z.object({
  reason: z.string().trim().min(1, { error: '却下の理由を入力してください。車両の職員に表示されます。' }).max(200, { error: '理由は200文字以内で入力してください。' }).refine(holdsNoMyNumber, { error: MY_NUMBER_IN_TEXT }),
});
export const AskInput = z.object({
  text: z.string().trim().min(1, { error: '質問の内容を入力してください。' }).max(500, { error: '質問は500文字以内で入力してください。' }).refine(holdsNoMyNumber, { error: MY_NUMBER_IN_TEXT }),
});
export const ReprintDecisionInput = z.object({ approve: z.boolean() });
export const DayQuery = z.object({ date: z.iso.date({ error: '日付は 2026-11-24 の形で指定してください。' }) });
export const NewOperatorInput = z.object({
  id: StaffId,
  displayName: z.string().trim().min(1).max(40),
  role: OperatorRole,
  password: z.string().min(12, { error: 'パスワードは12文字以上にしてください。' }).max(200),
});

/** The dispatcher's calendar: an area and a range of Tokyo dates. */
export const BookingRangeQuery = z.object({ area: AreaId, from: CalendarDate, to: CalendarDate });

const reportMonth = (field: string) =>
  z.string({ error: `${field}は YYYY-MM の形で指定してください（例 2022-10）。` }).regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: `${field}は YYYY-MM の形で指定してください（例 2022-10）。` });
/** The records report's query string: a fiscal year (西暦), and optionally months inside it. */
export const RecordsReportQuery = z.object({
  fiscalYear: z
    .string({ error: '年度（fiscalYear）を西暦4桁で指定してください（例 2022）。' })
    .regex(/^\d{4}$/, { error: '年度（fiscalYear）は西暦4桁で指定してください（例 2022）。' })
    .transform(Number),
  from: reportMonth('期間の始まり（from）').optional(),
  to: reportMonth('期間の終わり（to）').optional(),
});
/** The CSV download's query: the report's, and the encoding (UTF-8 with a BOM unless Shift_JIS is asked for). */
export const RecordsCsvQuery = RecordsReportQuery.extend({
  encoding: z.enum(['utf8', 'sjis'], { error: '文字コード（encoding）は utf8 か sjis で指定してください。' }).default('utf8'),
});
export const RecordsChartParam = z.object({ chart: RecordsChart });
/**
 * A booking the dispatcher takes by phone: the channel is the console's own, and the console makes the
 * external id once per form so a retry after a lost answer books once.
 */
export const PhoneBookingInput = BookingInput.omit({ channel: true }).extend({
  externalId: z.string({ error: '受付番号がありません。画面を開き直してください。' })
    .regex(/^phone-[A-Za-z0-9-]{8,58}$/, { error: '受付番号が正しくありません。画面を開き直してください。' }),
});
export const BookingIdParam = z.object({ id: entityId('予約の番号が正しくありません。予約一覧を更新してから選び直してください。') });
export const CallbackIdParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'コールバックの番号が正しくありません。一覧を更新してください。' }) });
export const CancelBookingInput = z.object({ reason: CancelReason });

export * from './console-api';

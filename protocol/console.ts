// The operator console's HTTP API (served by the hub, same origin): the inputs the hub validates.
// Paths and answer types are in console-api.ts, which the console's bundle imports without zod.
import { z } from 'zod';
import { holdsNoMyNumber, MY_NUMBER_IN_TEXT } from './my-number';
import { BookingInput, CancelReason } from './bookings';
import { entityId, StaffId } from './ids';
import { RecordsChart } from './records';
import { CertificateKind, RequestStep } from './domain';
import { deadLetterResolutions } from './console-api';
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
  displayName: z.string({ error: '氏名を入力してください。' }).trim().min(1, { error: '氏名を入力してください。' }).max(40, { error: '氏名は40文字以内で入力してください。' }),
  role: OperatorRole,
  password: z.string().min(12, { error: 'パスワードは12文字以上にしてください。' }).max(200),
});

/** Approving after the preview: the preview's time and hash, so exactly the bytes looked at are issued. */
export const ApproveInput = z.object({
  preview: z
    .object({
      issuedAt: z.iso.datetime({ error: '証明書の見本の時刻が正しくありません。見本を表示し直してください。' }),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, { error: '証明書の見本の照合値が正しくありません。見本を表示し直してください。' }),
    })
    .optional(),
}, { error: '承認の送信内容が正しくありません。画面を再読み込みしてから、もう一度承認してください。' });

/** An opaque page cursor of the queue: the last row's received time and id. */
export const QUEUE_CURSOR = /^[A-Za-z0-9_-]{1,200}$/;
const optionalText = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** The queue's query string (search, filters, paging). */
export const QueueQuery = z.object({
  vehicle: optionalText(z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, { error: '車両（vehicle）は半角英数字32文字以内で指定してください。' })),
  day: optionalText(z.iso.date({ error: '受付日（day）は 2026-11-24 の形で指定してください。' })),
  kind: optionalText(CertificateKind),
  step: z.preprocess((v) => (v === '' || v === undefined ? 'relayed' : v), z.union([RequestStep, z.literal('all')], { error: '段階（step）の指定が正しくありません。' })),
  number: optionalText(z.string().trim().max(20, { error: '受付番号（number）は20文字以内で指定してください。' }).regex(/^[A-Za-z0-9-]*$/, { error: '受付番号（number）は半角英数字とハイフンで指定してください。' })),
  cursor: optionalText(z.string().regex(QUEUE_CURSOR, { error: 'ページの指定（cursor）が正しくありません。一覧を読み込み直してください。' })),
  limit: z.coerce.number({ error: '件数（limit）は数で指定してください。' }).int({ error: '件数（limit）は整数で指定してください。' }).min(1, { error: '件数（limit）は1以上にしてください。' }).max(100, { error: '件数（limit）は100件までです。' }).default(50),
  receivedAfter: optionalText(z.iso.datetime({ error: '時刻（receivedAfter）の形が正しくありません。' })),
});
export type QueueQuery = z.infer<typeof QueueQuery>;

/** The audit log's search (admins): every field optional, newest first, paged by sequence number. */
export const AuditQuery = z.object({
  requestId: optionalText(entityId('受付の番号（requestId）が正しくありません。')),
  /** The person a request is about: part of the name or kana. */
  person: optionalText(z.string().trim().min(1, { error: '対象者（person）は氏名かかなの一部を入力してください。' }).max(40, { error: '対象者（person）は40文字以内で指定してください。' })),
  /** Who acted: an operator's or a vehicle staff member's id, a vehicle id, or 'system'. */
  actor: optionalText(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: '操作した人（actor）は半角英数字で指定してください。' })),
  action: optionalText(z.string().regex(/^[a-z_.]{1,64}$/, { error: '操作（action）は request.approved の形で指定してください。' })),
  day: optionalText(z.iso.date({ error: '日付（day）は 2026-11-24 の形で指定してください。' })),
  before: optionalText(z.coerce.number({ error: 'ページの指定（before）が正しくありません。' }).int().min(1, { error: 'ページの指定（before）が正しくありません。' })),
  limit: z.coerce.number({ error: '件数（limit）は数で指定してください。' }).int().min(1, { error: '件数（limit）は1以上にしてください。' }).max(200, { error: '件数（limit）は200件までです。' }).default(50),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const DeadLetterIdParam = z.object({ id: z.coerce.number({ error: '保留メッセージの番号が正しくありません。' }).int().min(1, { error: '保留メッセージの番号が正しくありません。' }) });
export const ResolveDeadLetterInput = z.object({
  resolution: z.enum(deadLetterResolutions, { error: '処理の内容を選んでください。' }),
});
export const AdminVehicleParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, { error: '車両の番号が正しくありません。' }) });
/** Revoking asks for the vehicle's id typed again: a slip of the mouse must not cut a vehicle off. */
export const RevokeVehicleInput = z.object({ confirm: z.string({ error: '確認のため車両の番号を入力してください。' }).min(1, { error: '確認のため車両の番号を入力してください。' }).max(32) });
export const AdminOperatorParam = z.object({ id: StaffId });
export const OperatorRoleInput = z.object({ role: OperatorRole });
export const OperatorActiveInput = z.object({ active: z.boolean({ error: '有効か無効かを指定してください。' }) });

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

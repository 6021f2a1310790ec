// The operator console's HTTP API (served by the hub, same origin): the inputs the hub validates.
// Paths and answer types are in console-api.ts, which the console's bundle imports without zod.
import { z } from 'zod';
import { StaffId } from './ids';
import { OperatorRole } from './roles';

export const SignInInput = z.object({
  operatorId: z.string().min(1, { error: '職員番号を入力してください。' }).max(32),
  password: z.string().min(1, { error: 'パスワードを入力してください。' }).max(200),
});
export const RejectInput = z.object({
  reason: z.string().trim().min(1, { error: '却下の理由を入力してください。車両の職員に表示されます。' }).max(200, { error: '理由は200文字以内で入力してください。' }),
});
export const AskInput = z.object({
  text: z.string().trim().min(1, { error: '質問の内容を入力してください。' }).max(500, { error: '質問は500文字以内で入力してください。' }),
});
export const ReprintDecisionInput = z.object({ approve: z.boolean() });
export const DayQuery = z.object({ date: z.iso.date({ error: '日付は 2026-11-24 の形で指定してください。' }) });
export const NewOperatorInput = z.object({
  id: StaffId,
  displayName: z.string().trim().min(1).max(40),
  role: OperatorRole,
  password: z.string().min(12, { error: 'パスワードは12文字以上にしてください。' }).max(200),
});

export * from './console-api';

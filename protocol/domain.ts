// Domain vocabulary shared by the terminal, the hub and the screens. No I/O here.
import { z } from 'zod';

/** 証明書の種類 the vehicle issues. Fees live in fixtures/fees.json, keyed by these ids. */
export const CertificateKind = z.enum([
  'juminhyo', // 住民票の写し
  'inkan', // 印鑑登録証明書
  'shotoku_kazei', // 所得・課税証明書
  'nozei', // 納税証明書
  'kotei_shisan_hyoka', // 固定資産評価証明書
], { error: '証明書の種類を選んでください。' });
export type CertificateKind = z.infer<typeof CertificateKind>;


/** 住民票の写し: 世帯全員 or 一部. */
export const JuminhyoScope = z.enum(['household', 'partial'], { error: '世帯全員か一部かを選んでください。' });
export type JuminhyoScope = z.infer<typeof JuminhyoScope>;

/** Who asks: 本人, 同一世帯の方, or 代理人 (needs 委任状). */
export const RequesterRelation = z.enum(['self', 'household', 'proxy'], { error: '請求者（本人・同一世帯・代理人）を選んでください。' });
export type RequesterRelation = z.infer<typeof RequesterRelation>;


/**
 * The seven steps of the certificate flow (protocol/workflow.ts) as workflow states. 送信待ち/送信済み are
 * `queued`/`relayed`; `spoiled` waits for a reprint decision; `cancelled` and `rejected` are terminal like `handed_over`.
 */
export const RequestStep = z.enum([
  'entered', // 受付
  'identity_checked', // 本人確認済み
  'queued', // 送信待ち
  'relayed', // 送信済み
  'approved', // 承認 (印刷待ち)
  'rejected', // 却下
  'printed', // 印刷済み
  'spoiled', // 書き損じ (再印刷の判断待ち)
  'checked', // 確認済み
  'paid', // 収納済み
  'handed_over', // 交付済み
  'cancelled', // 取消
]);
export type RequestStep = z.infer<typeof RequestStep>;


/**
 * 本人確認書類. Group A: one is enough (photo ID). Group B: two are needed, or one B with one C.
 * Group C: supporting documents that only count together with a B.
 */
export const IdDocumentKind = z.enum([
  'mynumber_card', // A マイナンバーカード
  'drivers_license', // A 運転免許証
  'passport', // A 旅券
  'residence_card', // A 在留カード
  'special_permanent_resident', // A 特別永住者証明書
  'disability_handbook_photo', // A 身体障害者手帳 (写真付き)
  'driving_history', // A 運転経歴証明書
  'health_insurance', // B 健康保険の資格確認書
  'pension_book', // B 年金手帳・基礎年金番号通知書
  'pension_certificate', // B 年金証書
  'nursing_care_insurance', // B 介護保険被保険者証
  'bank_book', // C 預金通帳
  'medical_card', // C 診察券
  'student_id_no_photo', // C 学生証 (写真なし)
], { error: '本人確認書類の種類を選んでください。' });
export type IdDocumentKind = z.infer<typeof IdDocumentKind>;



export const PaymentMethod = z.enum(['cash', 'credit_card', 'electronic_money', 'qr_code'], { error: '支払方法を選んでください。' });
export type PaymentMethod = z.infer<typeof PaymentMethod>;

export * from './labels';

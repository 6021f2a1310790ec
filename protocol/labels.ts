// Japanese labels for the domain's words, kept apart from the schemas so the screens can use them
// without bundling zod.
import type { BookingChannel, BookingStatus, WantedService } from './bookings';
import { departmentLabel } from './consultation-api';
import type { CertificateKind, IdDocumentKind, JuminhyoScope, PaymentMethod, RequestStep, RequesterRelation } from './domain';
import type { SlotId } from './visit-rules';
import type { VisitOutcome, VisitView } from './visits';

export const certificateKindLabel: Record<CertificateKind, string> = {
  juminhyo: '住民票の写し',
  inkan: '印鑑登録証明書',
  shotoku_kazei: '所得・課税証明書',
  nozei: '納税証明書',
  kotei_shisan_hyoka: '固定資産評価証明書',
};

export const requesterRelationLabel: Record<RequesterRelation, string> = {
  self: '本人',
  household: '同一世帯の方',
  proxy: '代理人',
};

export const requestStepLabel: Record<RequestStep, string> = {
  entered: '受付',
  identity_checked: '本人確認済み',
  queued: '送信待ち',
  relayed: '送信済み',
  approved: '承認・印刷待ち',
  rejected: '却下',
  printed: '印刷済み',
  spoiled: '書き損じ・再印刷待ち',
  checked: '確認済み',
  paid: '収納済み',
  handed_over: '交付済み',
  cancelled: '取消',
};

export const idDocumentGroup: Record<IdDocumentKind, 'A' | 'B' | 'C'> = {
  mynumber_card: 'A',
  drivers_license: 'A',
  passport: 'A',
  residence_card: 'A',
  special_permanent_resident: 'A',
  disability_handbook_photo: 'A',
  driving_history: 'A',
  health_insurance: 'B',
  pension_book: 'B',
  pension_certificate: 'B',
  nursing_care_insurance: 'B',
  bank_book: 'C',
  medical_card: 'C',
  student_id_no_photo: 'C',
};

export const idDocumentLabel: Record<IdDocumentKind, string> = {
  mynumber_card: 'マイナンバーカード',
  drivers_license: '運転免許証',
  passport: 'パスポート',
  residence_card: '在留カード',
  special_permanent_resident: '特別永住者証明書',
  disability_handbook_photo: '身体障害者手帳（写真付き）',
  driving_history: '運転経歴証明書',
  health_insurance: '健康保険の資格確認書',
  pension_book: '年金手帳・基礎年金番号通知書',
  pension_certificate: '年金証書',
  nursing_care_insurance: '介護保険被保険者証',
  bank_book: '預金通帳',
  medical_card: '診察券',
  student_id_no_photo: '学生証（写真なし）',
};

export const paymentMethodLabel: Record<PaymentMethod, string> = {
  cash: '現金',
  credit_card: 'クレジットカード',
  electronic_money: '電子マネー',
  qr_code: 'QRコード決済',
};

// ---- home visits (本日の訪問) ----

export const visitOutcomeLabel: Record<VisitOutcome, string> = { done: '完了', absent: 'ご不在', postponed: '延期', cancelled: '取消' };

export const visitStatusLabel: Record<VisitView['status'], string> = { planned: '訪問前', open: '訪問中', ...visitOutcomeLabel };

export const eligibilityReasonLabel: Record<'elderly' | 'license_returned' | 'disability' | 'pregnancy_childcare' | 'other', string> = {
  elderly: '高齢者',
  license_returned: '運転免許返納',
  disability: '障がい',
  pregnancy_childcare: '妊娠中・子育て中',
  other: 'その他',
};

export const yesNoUnknownLabel: Record<'yes' | 'no' | 'unknown', string> = { yes: 'あり', no: 'なし', unknown: '不明' };

/** One wanted service in words. */
export function wantedServiceLabel(s: WantedService): string {
  switch (s.type) {
    case 'certificate':
      return `${certificateKindLabel[s.kind]} ${s.copies}通`;
    case 'insurance_link':
      return 'マイナ保険証の紐付け';
    case 'smartphone_help':
      return 'スマホ市役所の使い方';
    case 'consultation':
      return `ビデオ相談（${departmentLabel[s.department]}）`;
  }
}

/** The answer to a question asked on the phone (電波は入りますか, 停める場所はありますか). */
export const yesNoUnknownAnswerLabel: Record<'yes' | 'no' | 'unknown', string> = { yes: 'はい', no: 'いいえ', unknown: 'わからない' };

/** The visit slots by name; their times are the visit rules'. */
export const slotLabel: Record<SlotId, string> = { am: '午前', pm1: '午後1', pm2: '午後2' };

export const bookingChannelLabel: Record<BookingChannel, string> = { phone: '電話', line: 'LINE', web: 'ウェブ' };

export const bookingStatusLabel: Record<BookingStatus, string> = { booked: '予約済み', cancelled: '取消済み' };

export const juminhyoScopeLabel: Record<JuminhyoScope, string> = { household: '世帯全員', partial: '一部（本人のみなど）' };

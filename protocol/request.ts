// The 交付請求書 as data: what staff enter, validated with messages that name the field in Japanese.
import { z } from 'zod';
import { holdsNoMyNumber, MY_NUMBER_IN_TEXT } from './my-number';
import {
  CertificateKind,
  IdDocumentKind,
  JuminhyoScope,
  PaymentMethod,
  RequesterRelation,
  RequestStep,
} from './domain';
import { idDocumentGroup } from './labels';
import { parseJapaneseDate } from './wareki';

/** NFKC folds full-width digits and letters typed on a Japanese IME into their plain forms. For numbers and kana only. */
const nfkc = (s: unknown) => (typeof s === 'string' ? s.normalize('NFKC').trim() : s);

/**
 * For names and addresses: full-width ASCII and the ideographic space become their plain forms, and
 * nothing else changes. NFKC would also turn registry kanji such as 﨑 (U+FA11) into 崎, and a
 * certificate must carry the resident's name as registered.
 */
export const foldWidth = (s: unknown) =>
  typeof s === 'string'
    ? s
        .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
        .replace(/\u3000/g, ' ')
        .trim()
    : s;

const requiredText = (label: string, max: number) =>
  z.preprocess(
    foldWidth,
    z
      .string({ error: `${label}を入力してください。` })
      .min(1, { error: `${label}を入力してください。` })
      .max(max, { error: `${label}は${max}文字以内で入力してください。` })
      .refine(holdsNoMyNumber, { error: MY_NUMBER_IN_TEXT }),
  );

/** 生年月日 as staff type it (昭和13年2月11日, S13.2.11, 1938-02-11, full-width digits, 元年), kept as an ISO date. */
export const BirthDate = z.string({ error: '生年月日を入力してください。' }).transform((s, ctx) => {
  const parsed = parseJapaneseDate(s, '生年月日');
  if (parsed.ok) return parsed.isoDate;
  ctx.addIssue({ code: 'custom', message: parsed.message });
  return z.NEVER;
});

export const Person = z.object({
  name: requiredText('氏名', 60),
  kana: z.preprocess(
    nfkc,
    z
      .string({ error: 'ふりがなを入力してください。' })
      .min(1, { error: 'ふりがなを入力してください。' })
      .max(80, { error: 'ふりがなは80文字以内で入力してください。' })
      .regex(/^[\p{Script=Hiragana}\p{Script=Katakana}ー・ 　]+$/u, {
        error: 'ふりがなはひらがなかカタカナで入力してください。',
      }),
  ),
  birthDate: BirthDate,
  address: requiredText('住所', 200),
});
export type Person = z.infer<typeof Person>;

export const JuminhyoOptions = z.object({
  scope: JuminhyoScope,
  includeHonseki: z.boolean(), // 本籍・筆頭者
  includeZokugara: z.boolean(), // 続柄
  showMyNumber: z.boolean(), // 個人番号の記載 (never for a proxy)
});
export type JuminhyoOptions = z.infer<typeof JuminhyoOptions>;

const taxKinds = new Set<CertificateKind>(['shotoku_kazei', 'nozei', 'kotei_shisan_hyoka']);

export const RequestInput = z
  .object({
    kind: CertificateKind,
    copies: z
      .number({ error: '通数を入力してください。' })
      .int({ error: '通数は整数で入力してください。' })
      .min(1, { error: '通数は1通以上にしてください。' })
      .max(10, { error: '通数は10通までです。それ以上は市役所の窓口にご案内ください。' }),
    juminhyo: JuminhyoOptions.optional(),
    fiscalYear: z
      .number({ error: '年度を入力してください。' })
      .int({ error: '年度は西暦の整数で入力してください。' })
      .min(2000, { error: '年度が古すぎます。' })
      .max(2100, { error: '年度が正しくありません。' })
      .optional(),
    subject: Person,
    requester: z.object({
      relation: RequesterRelation,
      person: Person.optional(),
      letterOfProxy: z.boolean(), // 委任状の提出
      purpose: z.preprocess(foldWidth, z.string().max(200, { error: '使用目的は200文字以内で入力してください。' }).refine(holdsNoMyNumber, { error: MY_NUMBER_IN_TEXT }).optional()),
    }),
  })
  .superRefine((r, ctx) => {
    if (r.kind === 'juminhyo' && !r.juminhyo) {
      ctx.addIssue({ code: 'custom', path: ['juminhyo'], message: '住民票の記載事項（世帯全員か一部か、本籍・続柄）を選んでください。' });
    }
    if (r.kind !== 'juminhyo' && r.juminhyo) {
      ctx.addIssue({ code: 'custom', path: ['juminhyo'], message: '住民票の記載事項は住民票の写しのときだけ選べます。' });
    }
    if (taxKinds.has(r.kind) && r.fiscalYear === undefined) {
      ctx.addIssue({ code: 'custom', path: ['fiscalYear'], message: '税の証明書は年度を入力してください。' });
    }
    if (r.requester.relation !== 'self' && !r.requester.person) {
      ctx.addIssue({ code: 'custom', path: ['requester', 'person'], message: '窓口に来た方（請求者）の氏名・住所を入力してください。' });
    }
    if (r.requester.relation === 'proxy') {
      if (!r.requester.letterOfProxy) {
        ctx.addIssue({ code: 'custom', path: ['requester', 'letterOfProxy'], message: '代理人の請求には委任状が必要です。' });
      }
      if (!r.requester.purpose) {
        ctx.addIssue({ code: 'custom', path: ['requester', 'purpose'], message: '代理人の請求は使用目的を入力してください。' });
      }
      if (r.juminhyo?.showMyNumber) {
        // 個人番号入りの住民票は代理人には交付しない (本人の住所へ郵送する扱い).
        ctx.addIssue({ code: 'custom', path: ['juminhyo', 'showMyNumber'], message: '個人番号入りの住民票は代理人にはお渡しできません。' });
      }
    }
  });
export type RequestInput = z.infer<typeof RequestInput>;

/** One ID document as recorded: its kind and, at most, the last 4 digits of its number. */
export const IdDocument = z
  .object({
    kind: IdDocumentKind,
    last4: z.preprocess(
      nfkc,
      z.string().regex(/^\d{4}$/, { error: '書類の番号は下4桁だけを数字で入力してください。' }).optional(),
    ),
  })
  .superRefine((d, ctx) => {
    // The number on a マイナンバーカード is the 個人番号 itself: not even part of it is recorded.
    if (d.kind === 'mynumber_card' && d.last4 !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['last4'], message: 'マイナンバーカードの番号は記録しません。番号欄は空にしてください。' });
    }
    if (d.kind !== 'mynumber_card' && d.last4 === undefined) {
      ctx.addIssue({ code: 'custom', path: ['last4'], message: '書類の番号の下4桁を入力してください。' });
    }
  });
export type IdDocument = z.infer<typeof IdDocument>;

const IdentityDocuments = z.object({
  documents: z.array(IdDocument).min(1, { error: '本人確認書類を選んでください。' }).max(2, { error: '本人確認書類は2点までです。' }),
});

function checkDocumentGroups(v: { documents: IdDocument[] }, ctx: z.RefinementCtx): void {
  const groups = v.documents.map((d) => idDocumentGroup[d.kind]).sort().join('');
  const kinds = new Set(v.documents.map((d) => d.kind));
  if (kinds.size !== v.documents.length) {
    ctx.addIssue({ code: 'custom', path: ['documents'], message: '同じ種類の書類が2つ選ばれています。別の書類を選んでください。' });
    return;
  }
  if (!['A', 'BB', 'BC'].includes(groups)) {
    ctx.addIssue({
      code: 'custom',
      path: ['documents'],
      message:
        groups.length === 2 && groups.includes('A')
          ? '写真付きの書類は1点で足ります。1点だけ選んでください。'
          : '写真のない書類は、保険証や年金手帳などを2点（または1点と通帳・診察券など）で確認してください。',
    });
  }
}

/** 本人確認: one group-A document, or two group-B documents, or one B with one C. */
export const IdentityCheckInput = IdentityDocuments.superRefine(checkDocumentGroups);
export type IdentityCheckInput = z.infer<typeof IdentityCheckInput>;

/**
 * How the My Number card served as the identity document: read with the resident's PIN for this check
 * (`card_pin`), or the read that filled the form in this same visit (`card_read_this_visit`, one PIN per
 * visit) with staff having compared the face on the card with the person. No card data, only the time.
 */
export const CardReadEvidence = z.object({
  method: z.enum(['card_pin', 'card_read_this_visit']),
  /** When the card was read with the PIN. */
  readAt: z.string(),
  /** Staff compared the photo on the card with the person at the counter. */
  faceChecked: z.literal(true).optional(),
});
export type CardReadEvidence = z.infer<typeof CardReadEvidence>;

/** The identity check as recorded: the documents, and for the My Number card how it was read. */
export const IdentityRecord = IdentityDocuments.extend({ cardRead: CardReadEvidence.optional() })
  .superRefine(checkDocumentGroups)
  .superRefine((v, ctx) => {
    if (v.cardRead && !v.documents.some((d) => d.kind === 'mynumber_card')) {
      ctx.addIssue({ code: 'custom', path: ['cardRead'], message: 'カードの読み取りは、マイナンバーカードで確認したときだけ記録します。' });
    }
  });
export type IdentityRecord = z.infer<typeof IdentityRecord>;

export const PaymentInput = z
  .object({
    method: PaymentMethod,
    tenderedYen: z.number().int({ error: 'お預かり金額は円単位の整数で入力してください。' }).min(0).max(1_000_000).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.method === 'cash' && p.tenderedYen === undefined) {
      ctx.addIssue({ code: 'custom', path: ['tenderedYen'], message: '現金のときはお預かり金額を入力してください。' });
    }
  });
export type PaymentInput = z.infer<typeof PaymentInput>;

export const ReasonText = requiredText('理由', 200);

/** What the staff list shows: no personal fields (reading those is audited one request at a time). */
export const RequestSummary = z.object({
  id: z.string(),
  number: z.string(), // 受付番号, e.g. "A-003"
  kind: CertificateKind,
  copies: z.number().int(),
  feeYen: z.number().int(),
  step: RequestStep,
  residentConfirmed: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type RequestSummary = z.infer<typeof RequestSummary>;

export const Payment = z.object({
  method: PaymentMethod,
  amountYen: z.number().int(),
  tenderedYen: z.number().int().nullable(),
  changeYen: z.number().int(),
});
export type Payment = z.infer<typeof Payment>;

export const RequestDetail = RequestSummary.extend({
  input: RequestInput,
  identity: IdentityRecord.nullable(),
  payment: Payment.nullable(),
  reason: z.string().nullable(), // why it was rejected, spoiled or cancelled
});
export type RequestDetail = z.infer<typeof RequestDetail>;

/** What the resident-facing screen shows: their own request, in words they can check. */
export const ResidentView = z.object({
  requestId: z.string(),
  number: z.string(),
  kindLabel: z.string(),
  copies: z.number().int(),
  feeYen: z.number().int(),
  subjectName: z.string(),
  subjectAddress: z.string(),
  /** ISO date; the screen writes it in 和暦 with the Western year beside it. */
  subjectBirthDate: z.string(),
  details: z.array(z.string()),
});
export type ResidentView = z.infer<typeof ResidentView>;

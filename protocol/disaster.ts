// り災証明書 (disaster-damage certificate) applications, taken in the vehicle and judged by the tax
// department (資産税課) at city hall. One contract for both sides: the disaster list the hub keeps,
// the application as staff enter it, the photos' metadata, the statuses and their transitions, and
// how a photo travels in chunks over a link that drops.
import { z } from 'zod';
import { holdsNoMyNumber, MY_NUMBER_IN_TEXT } from './my-number';
import { Person, foldWidth } from './request';
import { EntityId, Sha256Hex, VehicleId } from './ids';

// ---------------------------------------------------------------------------------------------
// The disaster list
// ---------------------------------------------------------------------------------------------

export const disasterKinds = ['earthquake', 'storm_flood', 'fire', 'other'] as const;
export const DisasterKind = z.enum(disasterKinds, { error: '災害の種類は 地震・台風・大雨・火災・その他 のどれかです。' });
export type DisasterKind = z.infer<typeof DisasterKind>;
export const disasterKindLabel: Record<DisasterKind, string> = { earthquake: '地震', storm_flood: '台風・大雨', fire: '火災', other: 'その他' };

const isRealDate = (s: string) => {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
};
const day = (label: string) =>
  z
    .string({ error: `${label}を入力してください。` })
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: `${label}は 2023-09-08 の形で入力してください。` })
    .refine(isRealDate, { error: `${label}が正しい日付ではありません。` });

const text = (label: string, max: number, min = 1) =>
  z.preprocess(
    foldWidth,
    z
      .string({ error: `${label}を入力してください。` })
      .min(min, { error: `${label}を入力してください。` })
      .max(max, { error: `${label}は${max}文字以内で入力してください。` })
      .refine(holdsNoMyNumber, { error: MY_NUMBER_IN_TEXT }),
  );

/** A disaster the city takes applications for, as an admin adds it at the hub. */
export const DisasterInput = z.object({
  name: text('災害の名前', 80),
  kind: DisasterKind,
  date: day('発生日'),
  area: text('対象地域', 80),
  /** 自己判定方式: the resident's photos may replace the on-site survey (the city decides per disaster). */
  selfAssessment: z.boolean({ error: '自己判定方式を認めるかを選んでください。' }),
});
export type DisasterInput = z.infer<typeof DisasterInput>;

export const Disaster = DisasterInput.extend({ id: EntityId, createdAt: z.string() });
export type Disaster = z.infer<typeof Disaster>;

// ---------------------------------------------------------------------------------------------
// The application
// ---------------------------------------------------------------------------------------------

export const ApplicantRelation = z.enum(['owner', 'occupant', 'proxy'], { error: '申請者と建物の関係（所有者・居住者・代理人）を選んでください。' });
export type ApplicantRelation = z.infer<typeof ApplicantRelation>;
export const applicantRelationLabel: Record<ApplicantRelation, string> = { owner: '所有者', occupant: '居住者', proxy: '代理人（委任状あり）' };

export const PropertyUse = z.enum(['dwelling', 'non_dwelling'], { error: '住家か非住家かを選んでください。' });
export type PropertyUse = z.infer<typeof PropertyUse>;
export const propertyUseLabel: Record<PropertyUse, string> = { dwelling: '住家', non_dwelling: '非住家' };

export const Structure = z.enum(['wood', 'steel', 'rc', 'other'], { error: '建物の構造を選んでください。' });
export type Structure = z.infer<typeof Structure>;
export const structureLabel: Record<Structure, string> = { wood: '木造', steel: '鉄骨造', rc: '鉄筋コンクリート造', other: 'その他' };

export const FloodLevel = z.enum(['above_floor', 'below_floor'], { error: '浸水は床上か床下かを選んでください。' });
export type FloodLevel = z.infer<typeof FloodLevel>;
export const floodLevelLabel: Record<FloodLevel, string> = { above_floor: '床上浸水', below_floor: '床下浸水' };

export const earthquakeParts = ['roof', 'outer_wall', 'foundation', 'pillars_beams', 'inner_wall', 'floor', 'fittings', 'equipment'] as const;
export const EarthquakePart = z.enum(earthquakeParts, { error: '被害を受けた部分を一覧から選んでください。' });
export type EarthquakePart = z.infer<typeof EarthquakePart>;
export const earthquakePartLabel: Record<EarthquakePart, string> = {
  roof: '屋根', outer_wall: '外壁', foundation: '基礎', pillars_beams: '柱・梁', inner_wall: '内壁', floor: '床', fittings: '建具', equipment: '設備',
};

export const SurveyWish = z.enum(['on_site', 'self_assessment'], { error: '現地調査を希望するか、写真による自己判定方式かを選んでください。' });
export type SurveyWish = z.infer<typeof SurveyWish>;
export const surveyWishLabel: Record<SurveyWish, string> = { on_site: '現地調査を希望', self_assessment: '写真による自己判定方式' };

export const CertificateDelivery = z.enum(['next_visit', 'mail', 'window'], { error: '証明書の受け取り方法を選んでください。' });
export type CertificateDelivery = z.infer<typeof CertificateDelivery>;
export const certificateDeliveryLabel: Record<CertificateDelivery, string> = { next_visit: '次回の車両訪問で受け取る', mail: '郵送', window: '市役所の窓口で受け取る' };

/**
 * Whether the certificate goes to a vehicle's printer for handover: only when the resident asked to
 * receive it at the vehicle's next visit. By mail or at the window, city hall prints the PDF itself.
 * The hub refuses the send otherwise, and the console offers it only then.
 */
export function printsOnVehicle(delivery: CertificateDelivery): boolean {
  return delivery === 'next_visit';
}

/** Why a certificate is not sent to a vehicle, for the resident's choice. */
export function notOnVehicleMessage(delivery: CertificateDelivery): string {
  return `この方は「${certificateDeliveryLabel[delivery]}」を希望しています。車両へは送らず、証明書（PDF）を市役所で印刷してください。`;
}

const phone = z.preprocess(
  (s) => (typeof s === 'string' ? s.normalize('NFKC').replace(/[‐－―ー]/g, '-').trim() : s),
  z
    .string({ error: '電話番号を入力してください。' })
    .regex(/^0\d{1,4}-?\d{1,4}-?\d{3,4}$/, { error: '電話番号は 0246-22-1111 の形で入力してください。' }),
);

export const DamageInput = z.object({
  flooding: z
    .object({
      level: FloodLevel,
      depthCm: z
        .number({ error: '浸水の深さ（cm）を数字で入力してください。' })
        .int({ error: '浸水の深さ（cm）は整数で入力してください。' })
        .min(0, { error: '浸水の深さ（cm）は0以上です。' })
        .max(1000, { error: '浸水の深さ（cm）は1000以下で入力してください。' }),
    })
    .nullable(),
  earthquakeParts: z.array(EarthquakePart).max(earthquakeParts.length).default([]),
  /** The damage as the resident describes it; never a 個人番号. */
  description: text('被害の様子', 1000, 0),
});
export type DamageInput = z.infer<typeof DamageInput>;

export const RisaiApplicationInput = z
  .object({
    disasterId: z.string({ error: '災害を選んでください。' }).regex(/^[A-Za-z0-9_-]{8,64}$/, { error: '災害を選んでください。' }),
    applicant: Person.extend({ phone }),
    relation: ApplicantRelation,
    /** 委任状: required when the applicant is a proxy. */
    proxyLetter: z.boolean().default(false),
    property: z.object({
      address: text('被害を受けた建物の所在地', 200),
      /** The district (地区) the building is in: the tax department counts by it. */
      district: text('地区', 40),
      use: PropertyUse,
      structure: Structure,
    }),
    damage: DamageInput,
    survey: SurveyWish,
    delivery: CertificateDelivery,
  })
  .superRefine((v, ctx) => {
    if (v.relation === 'proxy' && !v.proxyLetter) {
      ctx.addIssue({ code: 'custom', path: ['proxyLetter'], message: '代理人の申請には委任状が必要です。委任状を確認してください。' });
    }
    if (!v.damage.flooding && v.damage.earthquakeParts.length === 0 && v.damage.description.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['damage', 'description'], message: '被害の様子（浸水・壊れた部分・説明のどれか）を入力してください。' });
    }
  });
export type RisaiApplicationInput = z.infer<typeof RisaiApplicationInput>;

/**
 * What only the disaster can decide: 自己判定方式 only where the city allows it for that disaster,
 * and then with at least one photo. Both sides apply it (the vehicle at entry, the hub on receipt).
 */
export function applicationProblems(input: Pick<RisaiApplicationInput, 'survey'>, disaster: Pick<Disaster, 'selfAssessment'> | undefined, photoCount: number): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (!disaster) problems.push({ path: 'disasterId', message: '選んだ災害が一覧にありません。災害の一覧を更新してください。' });
  else if (input.survey === 'self_assessment' && !disaster.selfAssessment) {
    problems.push({ path: 'survey', message: 'この災害では自己判定方式は使えません。現地調査を選んでください。' });
  }
  if (input.survey === 'self_assessment' && photoCount === 0) {
    problems.push({ path: 'photos', message: '自己判定方式には被害の写真が1枚以上必要です。' });
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Photos
// ---------------------------------------------------------------------------------------------

/** The city's limits for photos (a setting; these are the defaults). */
export const PhotoLimits = z.object({
  maxPhotos: z.number().int().min(1).max(30),
  /** The longest edge a stored photo may have, in pixels. */
  maxEdgePx: z.number().int().min(320).max(8000),
  /** The most bytes one stored photo may have. */
  maxBytes: z.number().int().min(16 * 1024).max(8 * 1024 * 1024),
});
export type PhotoLimits = z.infer<typeof PhotoLimits>;
export const DEFAULT_PHOTO_LIMITS: PhotoLimits = { maxPhotos: 10, maxEdgePx: 1600, maxBytes: 1024 * 1024 };

export const PhotoMeta = z.object({
  id: EntityId,
  takenAt: z.iso.datetime({ offset: true }),
  bytes: z.number().int().min(1).max(8 * 1024 * 1024),
  sha256: Sha256Hex,
  width: z.number().int().min(1).max(8000),
  height: z.number().int().min(1).max(8000),
});
export type PhotoMeta = z.infer<typeof PhotoMeta>;

/**
 * Width and height from a JPEG's frame header (SOF0–SOF15 except DHT/JPG/DAC), or null when the bytes
 * are not a JPEG. Enough to check a photo against the city's limits without decoding it.
 */
export function jpegSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1]!;
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    const length = (bytes[i + 2]! << 8) | bytes[i + 3]!;
    if (length < 2) return null;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (i + 9 > bytes.length) return null;
      const height = (bytes[i + 5]! << 8) | bytes[i + 6]!;
      const width = (bytes[i + 7]! << 8) | bytes[i + 8]!;
      return width > 0 && height > 0 ? { width, height } : null;
    }
    i += 2 + length;
  }
  return null;
}

/** Why a photo cannot be kept under the city's limits, in words for staff; null when it can. */
export function photoProblem(bytes: Uint8Array, limits: PhotoLimits, already: number): string | null {
  if (already >= limits.maxPhotos) return `写真は1件の申請につき${limits.maxPhotos}枚までです。`;
  const size = jpegSize(bytes);
  if (!size) return '写真が JPEG として読めません。撮り直してください。';
  if (bytes.length > limits.maxBytes) return `写真が大きすぎます（${Math.ceil(bytes.length / 1024)} KB）。${Math.floor(limits.maxBytes / 1024)} KB 以下にしてください。`;
  if (Math.max(size.width, size.height) > limits.maxEdgePx) return `写真の長い辺が ${limits.maxEdgePx} ピクセルを超えています。縮小してください。`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Statuses at city hall
// ---------------------------------------------------------------------------------------------

export const risaiStatuses = ['received', 'scheduling', 'surveyed', 'judged', 'issued'] as const;
export const RisaiStatus = z.enum(risaiStatuses);
export type RisaiStatus = z.infer<typeof RisaiStatus>;
export const risaiStatusLabel: Record<RisaiStatus, string> = { received: '受付', scheduling: '調査日程調整', surveyed: '調査済み', judged: '判定', issued: '証明書発行' };

export const damageGrades = ['total', 'large_half', 'medium_half', 'half', 'semi_half', 'partial'] as const;
export const DamageGrade = z.enum(damageGrades, { error: '判定（全壊〜一部損壊）を選んでください。' });
export type DamageGrade = z.infer<typeof DamageGrade>;
export const damageGradeLabel: Record<DamageGrade, string> = {
  total: '全壊', large_half: '大規模半壊', medium_half: '中規模半壊', half: '半壊', semi_half: '準半壊', partial: '一部損壊（準半壊に至らない）',
};

/**
 * The transitions: 受付 → 調査日程調整 → 調査済み → 判定 → 証明書発行. An application taken under
 * 自己判定方式 may go from 受付 straight to 判定 (the photos are the survey). 判定 needs its grade.
 */
export const risaiTransitions: Record<RisaiStatus, readonly RisaiStatus[]> = {
  received: ['scheduling', 'judged'],
  scheduling: ['surveyed'],
  surveyed: ['judged'],
  judged: ['issued'],
  issued: [],
};

/** The next status, or why not (Japanese, for the clerk). */
export function risaiTransition(from: RisaiStatus, to: RisaiStatus, survey: SurveyWish, grade: DamageGrade | null): { ok: true } | { ok: false; message: string } {
  if (!risaiTransitions[from].includes(to)) return { ok: false, message: `「${risaiStatusLabel[from]}」から「${risaiStatusLabel[to]}」には進めません。` };
  if (from === 'received' && to === 'judged' && survey !== 'self_assessment') return { ok: false, message: '現地調査を希望する申請は、調査のあとで判定してください。' };
  if (to === 'judged' && !grade) return { ok: false, message: '判定（全壊〜一部損壊）を選んでください。' };
  if (to !== 'judged' && grade) return { ok: false, message: '判定は「判定」に進めるときだけ記録します。' };
  return { ok: true };
}

// ---------------------------------------------------------------------------------------------
// Delivery: the application through the outbox, the photos in chunks
// ---------------------------------------------------------------------------------------------

/**
 * Bytes per chunk: about a quarter of a second at 1 Mbit/s, so a cut wastes little of what was on its
 * way, while the request around it (a few hundred bytes each way) stays about 1% of it.
 */
export const PHOTO_CHUNK_BYTES = 32 * 1024;
export const chunkCount = (bytes: number) => Math.max(1, Math.ceil(bytes / PHOTO_CHUNK_BYTES));

export const RISAI_API = {
  /** GET: the disasters vehicles take applications for, and the city's photo limits. */
  disasters: '/api/v1/vehicle/risai/disasters',
  /** GET: what the hub has of a photo (the chunks it holds, whether it is whole and verified). */
  photo: '/api/v1/vehicle/risai/photos/:photoId',
  /** POST: one chunk of a photo (raw bytes), with its index, its sha256 in CHUNK_SHA256_HEADER. */
  chunk: '/api/v1/vehicle/risai/photos/:photoId/chunks/:index',
  console: {
    disasters: '/api/v1/console/risai/disasters',
    applications: '/api/v1/console/risai/applications',
    application: '/api/v1/console/risai/applications/:id',
    photo: '/api/v1/console/risai/applications/:id/photos/:photoId',
    status: '/api/v1/console/risai/applications/:id/status',
    /** GET: the り災証明書 as an A4 PDF, once judged. */
    certificate: '/api/v1/console/risai/applications/:id/certificate.pdf',
    counts: '/api/v1/console/risai/counts',
    /** POST {vehicleId}: sends the issued certificate to that vehicle's certificate printer, once. */
    sendToVehicle: '/api/v1/console/risai/applications/:id/send-to-vehicle',
  },
} as const;

export const VehicleDisasters = z.object({ disasters: z.array(Disaster), limits: PhotoLimits });
export type VehicleDisasters = z.infer<typeof VehicleDisasters>;

/**
 * One chunk as sent: its raw bytes as the body (application/octet-stream: no base64, so a photo costs
 * its own size on the link), its sha256 in a header; the hub checks it before it keeps the bytes.
 */
export const CHUNK_SHA256_HEADER = 'x-chunk-sha256';
export const CHUNK_CONTENT_TYPE = 'application/octet-stream';
export const ChunkUpload = z.object({
  sha256: z.string({ error: '写真の一部の検査値（sha256）がありません。' }).regex(/^[0-9a-f]{64}$/, { error: '写真の一部の検査値（sha256）の形が正しくありません。' }),
  data: z
    .instanceof(Uint8Array, { error: '写真の一部は application/octet-stream で送ってください。' })
    .refine((d) => d.length >= 1 && d.length <= PHOTO_CHUNK_BYTES, { error: '写真の一部の大きさが正しくありません。' }),
});
export type ChunkUpload = z.infer<typeof ChunkUpload>;

/** What the hub has of a photo. `complete` means every chunk is there and the whole photo's sha256 matched. */
export const PhotoProgress = z.object({
  photoId: EntityId,
  chunks: z.number().int().min(1),
  received: z.array(z.number().int().min(0)),
  complete: z.boolean(),
  /** Every photo of the application is complete: the application is whole at the hub. */
  applicationComplete: z.boolean(),
});
export type PhotoProgress = z.infer<typeof PhotoProgress>;

/** The outbox message: the application as entered, with its photos' metadata (the bytes follow in chunks). */
export const RisaiApplicationMessage = z.object({
  type: z.literal('risai.application'),
  idempotencyKey: EntityId,
  applicationId: EntityId,
  number: z.string().max(16),
  input: RisaiApplicationInput,
  photos: z.array(PhotoMeta).max(30),
  staffId: z.string().max(32),
  takenAt: z.iso.datetime({ offset: true }),
});
export type RisaiApplicationMessage = z.infer<typeof RisaiApplicationMessage>;

/** The outbox message: the certificate city hall sent to this vehicle's printer was handed over (交付). */
export const RisaiHandedOverMessage = z.object({
  type: z.literal('risai.handed_over'),
  idempotencyKey: EntityId,
  applicationId: EntityId,
  staffId: z.string().max(32),
  at: z.iso.datetime({ offset: true }),
});
export type RisaiHandedOverMessage = z.infer<typeof RisaiHandedOverMessage>;

export const risaiErrorMessages = {
  UNKNOWN_DISASTER: '市役所の災害一覧にない災害への申請です。災害の一覧を更新してください。',
  UNKNOWN_PHOTO: '市役所に届いていない申請の写真です。申請が届くのを待って送り直します。',
  BAD_CHUNK: '写真の一部が壊れて届きました。送り直します。',
  PHOTO_MISMATCH: '写真全体の検査値が合いませんでした。最初から送り直します。',
} as const;

// ---------------------------------------------------------------------------------------------
// The tax department's console
// ---------------------------------------------------------------------------------------------

export const RisaiListQuery = z.object({
  disasterId: EntityId.optional(),
  status: RisaiStatus.optional(),
  area: z.string().max(80).optional(),
  /** Include applications whose photos are still arriving. */
  incomplete: z.coerce.boolean().optional(),
});
export type RisaiListQuery = z.infer<typeof RisaiListQuery>;

export const RisaiApplicationSummary = z.object({
  id: EntityId,
  number: z.string(),
  vehicleId: z.string(),
  disasterId: z.string(),
  disasterName: z.string(),
  area: z.string(),
  status: RisaiStatus,
  grade: DamageGrade.nullable(),
  survey: SurveyWish,
  photos: z.number().int(),
  complete: z.boolean(),
  receivedAt: z.string(),
  updatedAt: z.string(),
  /** The vehicle the certificate was sent to for printing (once), and when it was handed over there. */
  printedOn: z.string().nullable(),
  handedOverAt: z.string().nullable(),
});
export type RisaiApplicationSummary = z.infer<typeof RisaiApplicationSummary>;

export const RisaiApplicationDetail = RisaiApplicationSummary.extend({
  input: RisaiApplicationInput,
  photoList: z.array(PhotoMeta.extend({ complete: z.boolean() })),
  history: z.array(z.object({ status: RisaiStatus, grade: DamageGrade.nullable(), actor: z.string(), at: z.string() })),
});
export type RisaiApplicationDetail = z.infer<typeof RisaiApplicationDetail>;

export const RisaiSendInput = z.object({ vehicleId: VehicleId });
export const RisaiStatusInput = z.object({ to: RisaiStatus, grade: DamageGrade.nullable().default(null) });
export type RisaiStatusInput = z.infer<typeof RisaiStatusInput>;

export const RisaiCounts = z.object({
  rows: z.array(z.object({ disasterId: z.string(), disasterName: z.string(), area: z.string(), status: RisaiStatus, grade: DamageGrade.nullable(), count: z.number().int() })),
});
export type RisaiCounts = z.infer<typeof RisaiCounts>;

// ---------------------------------------------------------------------------------------------
// The vehicle's screens
// ---------------------------------------------------------------------------------------------

/** What staff see of an application on the vehicle (no personal data). */
export const RisaiVehicleView = z.object({
  id: z.string(),
  number: z.string(),
  disasterId: z.string(),
  disasterName: z.string(),
  state: z.enum(['draft', 'queued', 'delivered', 'complete']),
  photos: z.array(z.object({ id: z.string(), takenAt: z.string(), bytes: z.number().int(), width: z.number().int(), height: z.number().int(), chunks: z.number().int(), chunksAtHub: z.number().int(), verified: z.boolean() })),
  createdAt: z.string(),
  /** The certificate city hall sent to this vehicle's printer: none, printing, 交付待ち (printed), handed over. */
  certificate: z.enum(['none', 'printing', 'awaiting_handover', 'handed_over']),
});
export type RisaiVehicleView = z.infer<typeof RisaiVehicleView>;

export const DisasterList = z.object({ disasters: z.array(Disaster), limits: PhotoLimits });
export type DisasterList = z.infer<typeof DisasterList>;

/** A photo from the staff screen: a JPEG already downscaled there, as base64, with when it was taken. */
export const RisaiPhotoInput = z.object({
  applicationId: EntityId,
  jpegBase64: z.string().min(4, { error: '写真がありません。撮り直してください。' }).max(12 * 1024 * 1024, { error: '写真が大きすぎます。' }),
  takenAt: z.iso.datetime({ offset: true }),
});

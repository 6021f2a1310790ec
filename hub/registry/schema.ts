// The shape of the stand-in registry (the city's 住民基本台帳, 印鑑登録原票, 課税台帳 and
// 固定資産課税台帳), validated when the fixture files are read so a bad row fails at start-up.
import { z } from 'zod';

const IsoDate = z.iso.date({ error: '日付は 2025-04-01 の形で書いてください。' });
const Yen = z.number().int().min(0);
const FiscalYear = z.number().int().min(2000).max(2100);

export const ResidentId = z.string().regex(/^R\d{4}$/, { error: '住民の番号は R0001 の形です。' });
export type ResidentId = z.infer<typeof ResidentId>;
export const HouseholdId = z.string().regex(/^H\d{3}$/, { error: '世帯の番号は H001 の形です。' });

/** Same words as the card's basic-4 parser (ISO 5218: 1, 2, 9). */
export const Sex = z.enum(['male', 'female', 'not_applicable']);
export type Sex = z.infer<typeof Sex>;

/**
 * 個人番号 check digit (番号法施行令 第8条). Used to make sure the fixtures never hold a number
 * that could be someone's real My Number: every fake number here must fail this check.
 */
export function hasValidMyNumberCheckDigit(digits: string): boolean {
  if (!/^\d{12}$/.test(digits)) return false;
  let sum = 0;
  for (let n = 1; n <= 11; n++) {
    const p = Number(digits[11 - n]);
    const q = n <= 6 ? n + 1 : n - 5;
    sum += p * q;
  }
  const r = sum % 11;
  const check = r <= 1 ? 0 : 11 - r;
  return check === Number(digits[11]);
}

const FakeMyNumber = z
  .string()
  .regex(/^\d{12}$/, { error: '個人番号は12桁の数字です。' })
  .refine((s) => !hasValidMyNumberCheckDigit(s), {
    error: '検査用数字が正しい個人番号は実在しうるため、見本データには置けません。',
  });

export const Resident = z.object({
  id: ResidentId,
  name: z.string().min(1).max(60), // 住民票の表記のまま (旧字体を含む)
  kana: z.string().regex(/^[\p{Script=Hiragana}ー　 ]+$/u, { error: 'ふりがなはひらがなで書いてください。' }),
  birthDate: IsoDate,
  sex: Sex,
  relationship: z.string().min(1).max(20), // 世帯主との続柄
  honseki: z.string().min(1).max(200), // 本籍
  hittosha: z.string().min(1).max(60), // 筆頭者
  residentSince: IsoDate, // 住民となった年月日
  addressSince: IsoDate, // 住所を定めた年月日
  notifiedOn: IsoDate, // 届出の年月日
  previousAddress: z.string().max(200).optional(), // 前住所 (転入・転居のとき)
  myNumber: FakeMyNumber.optional(),
});
export type Resident = z.infer<typeof Resident>;

export const Household = z
  .object({
    id: HouseholdId,
    address: z.string().min(1).max(300),
    headId: ResidentId,
    members: z.array(Resident).min(1).max(20),
  })
  .superRefine((h, ctx) => {
    const head = h.members.find((m) => m.id === h.headId);
    if (!head) ctx.addIssue({ code: 'custom', path: ['headId'], message: `世帯主 ${h.headId} が世帯員にいません。` });
    else if (head.relationship !== '世帯主') ctx.addIssue({ code: 'custom', path: ['headId'], message: '世帯主の続柄は「世帯主」です。' });
  });
export type Household = z.infer<typeof Household>;

/** 印影: drawn by the renderer from this description (shape, the characters carved, size). */
export const SealImpression = z.object({
  shape: z.enum(['circle', 'square', 'oval']),
  text: z.string().min(1).max(6),
  sizeMm: z.number().min(8).max(25), // 印鑑条例: 8mm〜25mmの正方形に収まるもの
});
export type SealImpression = z.infer<typeof SealImpression>;

export const SealRegistration = z.object({
  residentId: ResidentId,
  registrationNumber: z.string().regex(/^\d{5,8}$/), // 印鑑登録番号
  registeredOn: IsoDate,
  impression: SealImpression,
});
export type SealRegistration = z.infer<typeof SealRegistration>;

/** 税目 on the 納税証明書. */
export const TaxItem = z.enum(['kojin_juminzei', 'kotei_shisanzei', 'kei_jidoshazei', 'kokuho']);
export type TaxItem = z.infer<typeof TaxItem>;
export const taxItemLabel: Record<TaxItem, string> = {
  kojin_juminzei: '市民税・県民税',
  kotei_shisanzei: '固定資産税',
  kei_jidoshazei: '軽自動車税（種別割）',
  kokuho: '国民健康保険税',
};

export const TaxPayment = z
  .object({ item: TaxItem, levied: Yen, paid: Yen })
  .refine((p) => p.paid <= p.levied, { error: '納付済額が税額を超えています。' });
export type TaxPayment = z.infer<typeof TaxPayment>;

/**
 * One fiscal year of 市民税・県民税 for one person: the income of the year before (所得), the tax
 * levied on it (課税額) and what was paid per 税目 (納税額・未納額 = levied − paid).
 */
export const TaxRecord = z
  .object({
    residentId: ResidentId,
    fiscalYear: FiscalYear,
    income: z.object({
      salaryRevenue: Yen, // 給与収入
      salaryIncome: Yen, // 給与所得
      pensionRevenue: Yen, // 公的年金等収入
      pensionIncome: Yen, // 雑所得（公的年金等）
      businessIncome: Yen, // 事業所得
      otherIncome: Yen, // その他の所得
    }),
    totalIncome: Yen, // 合計所得金額
    deductions: Yen, // 所得控除合計
    taxableIncome: Yen, // 課税標準額
    dependents: z.number().int().min(0).max(20), // 扶養人数
    municipal: z.object({ incomeLevy: Yen, perCapita: Yen }), // 市民税
    prefectural: z.object({ incomeLevy: Yen, perCapita: Yen }), // 県民税
    forestEnvironmentTax: Yen, // 森林環境税（国税、令和6年度から）
    payments: z.array(TaxPayment).max(4),
  })
  .superRefine((t, ctx) => {
    const i = t.income;
    if (i.salaryIncome + i.pensionIncome + i.businessIncome + i.otherIncome !== t.totalIncome) {
      ctx.addIssue({ code: 'custom', path: ['totalIncome'], message: '合計所得金額が所得の内訳の合計と合いません。' });
    }
    const juminzei = t.municipal.incomeLevy + t.municipal.perCapita + t.prefectural.incomeLevy + t.prefectural.perCapita + t.forestEnvironmentTax;
    const levied = t.payments.find((p) => p.item === 'kojin_juminzei')?.levied ?? 0;
    if (juminzei !== levied) {
      ctx.addIssue({ code: 'custom', path: ['payments'], message: '市民税・県民税の年税額が納税の記録と合いません。' });
    }
    if (new Set(t.payments.map((p) => p.item)).size !== t.payments.length) {
      ctx.addIssue({ code: 'custom', path: ['payments'], message: '同じ税目が2回あります。' });
    }
  });
export type TaxRecord = z.infer<typeof TaxRecord>;

export const Valuation = z.object({ fiscalYear: FiscalYear, value: Yen });

const AssetBase = {
  id: z.string().regex(/^A\d{4}$/),
  ownerId: ResidentId,
  location: z.string().min(1).max(120), // 所在・地番 (家屋は所在)
  valuations: z.array(Valuation).min(1),
};

/** 土地: 地目 and 地積. */
export const LandAsset = z.object({
  ...AssetBase,
  kind: z.literal('land'),
  landCategory: z.enum(['宅地', '田', '畑', '山林', '原野', '雑種地']),
  areaSqm: z.number().positive(),
});
/** 家屋: 家屋番号, 種類, 構造, 床面積, 建築年. */
export const BuildingAsset = z.object({
  ...AssetBase,
  kind: z.literal('building'),
  buildingNumber: z.string().min(1).max(20),
  usage: z.enum(['居宅', '物置', '車庫', '作業場', '店舗']),
  structure: z.string().min(1).max(30),
  floorAreaSqm: z.number().positive(),
  builtYear: z.number().int().min(1868).max(2100),
});
export const FixedAsset = z.discriminatedUnion('kind', [LandAsset, BuildingAsset]);
export type FixedAsset = z.infer<typeof FixedAsset>;
export type LandAsset = z.infer<typeof LandAsset>;
export type BuildingAsset = z.infer<typeof BuildingAsset>;

export const HouseholdsFile = z.object({ households: z.array(Household).min(1) });
export const SealsFile = z.object({ seals: z.array(SealRegistration) });
export const TaxesFile = z.object({ records: z.array(TaxRecord) });
export const AssetsFile = z.object({ assets: z.array(FixedAsset) });

/** The four files together, with the checks that span them (ids unique, references resolve). */
export const RegistryData = z
  .object({
    households: z.array(Household),
    seals: z.array(SealRegistration),
    taxes: z.array(TaxRecord),
    assets: z.array(FixedAsset),
  })
  .superRefine((d, ctx) => {
    const residents = new Set<string>();
    const households = new Set<string>();
    for (const h of d.households) {
      if (households.has(h.id)) ctx.addIssue({ code: 'custom', path: ['households'], message: `世帯 ${h.id} が2回あります。` });
      households.add(h.id);
      for (const m of h.members) {
        if (residents.has(m.id)) ctx.addIssue({ code: 'custom', path: ['households'], message: `住民 ${m.id} が2回あります。` });
        residents.add(m.id);
      }
    }
    const known = (id: string, path: string) => {
      if (!residents.has(id)) ctx.addIssue({ code: 'custom', path: [path], message: `住民 ${id} が住民票にいません。` });
    };
    const sealed = new Set<string>();
    for (const s of d.seals) {
      known(s.residentId, 'seals');
      if (sealed.has(s.residentId)) ctx.addIssue({ code: 'custom', path: ['seals'], message: `住民 ${s.residentId} の印鑑登録が2つあります。` });
      sealed.add(s.residentId);
    }
    const years = new Set<string>();
    for (const t of d.taxes) {
      known(t.residentId, 'taxes');
      const key = `${t.residentId}/${t.fiscalYear}`;
      if (years.has(key)) ctx.addIssue({ code: 'custom', path: ['taxes'], message: `住民 ${t.residentId} の ${t.fiscalYear} 年度の課税が2つあります。` });
      years.add(key);
    }
    const assets = new Set<string>();
    for (const a of d.assets) {
      known(a.ownerId, 'assets');
      if (assets.has(a.id)) ctx.addIssue({ code: 'custom', path: ['assets'], message: `資産 ${a.id} が2回あります。` });
      assets.add(a.id);
    }
  });
export type RegistryData = z.infer<typeof RegistryData>;

// What a certificate says, as data: built from the registry for one order, drawn by the layouts,
// and hashed into the 照合番号. The My Number is the one value left out of the hash (the hub keeps
// the hash; the number itself is never stored).
import { z } from 'zod';
import { CertificateKind, RequesterRelation } from '../../protocol/domain';
import { AppError } from '../../protocol/errors';
import { JuminhyoOptions } from '../../protocol/request';
import type { Registry } from '../registry/registry';
import type { BuildingAsset, FixedAsset, Household, LandAsset, Resident, SealImpression, SealRegistration, Sex, TaxRecord } from '../registry/schema';
import { taxItemLabel } from '../registry/schema';
import { warekiFiscalYear } from '../../protocol/wareki';

/** The part of a 交付請求書 that decides what is printed. */
export const CertificateOrder = z.object({
  kind: CertificateKind,
  juminhyo: JuminhyoOptions.optional(),
  fiscalYear: z.number().int().min(2000).max(2100).optional(),
  copies: z.number().int().min(1).max(10),
  /** Who asked; a proxy never receives a 住民票 with the My Number, whatever the order says. */
  requesterRelation: RequesterRelation.optional(),
});
export type CertificateOrder = z.infer<typeof CertificateOrder>;

/** The registry records one certificate needs (what `collectCertificateData` returns). */
export interface CertificateData {
  resident: Resident;
  household: Household;
  seal?: SealRegistration | null;
  tax?: TaxRecord | null;
  assets?: FixedAsset[];
}

export const sexLabel: Record<Sex, string> = { male: '男', female: '女', not_applicable: '記載なし' };

export interface JuminhyoMember {
  residentId: string;
  name: string;
  kana: string;
  birthDate: string;
  sex: string;
  relationship: string | null; // null: 続柄の記載を省略
  honseki: string | null; // null: 本籍・筆頭者の記載を省略
  hittosha: string | null;
  residentSince: string;
  addressSince: string;
  notifiedOn: string;
  previousAddress: string | null;
  myNumber: string | null; // only when asked by 本人 or 同一世帯の方
}

export type CertificateContent =
  | {
      kind: 'juminhyo';
      residentId: string;
      scope: 'household' | 'partial';
      address: string;
      head: string;
      members: JuminhyoMember[];
    }
  | {
      kind: 'inkan';
      residentId: string;
      name: string;
      birthDate: string;
      address: string;
      registrationNumber: string;
      impression: SealImpression;
    }
  | {
      kind: 'shotoku_kazei';
      residentId: string;
      fiscalYear: number;
      name: string;
      birthDate: string;
      address: string;
      tax: Omit<TaxRecord, 'residentId' | 'fiscalYear' | 'payments'>;
    }
  | {
      kind: 'nozei';
      residentId: string;
      fiscalYear: number;
      name: string;
      birthDate: string;
      address: string;
      payments: Array<{ item: string; levied: number; paid: number; unpaid: number }>;
    }
  | {
      kind: 'kotei_shisan_hyoka';
      residentId: string;
      fiscalYear: number;
      name: string;
      address: string;
      lands: Array<Pick<LandAsset, 'location' | 'landCategory' | 'areaSqm'> & { value: number }>;
      buildings: Array<Pick<BuildingAsset, 'location' | 'buildingNumber' | 'usage' | 'structure' | 'floorAreaSqm' | 'builtYear'> & { value: number }>;
    };

function requireYear(order: CertificateOrder): number {
  if (order.fiscalYear === undefined) throw new AppError('CERT_FISCAL_YEAR_REQUIRED', '税の証明書は年度が必要です。請求書の年度を確かめてください。');
  return order.fiscalYear;
}

/** Reads from the registry exactly what the order's certificate needs. */
export async function collectCertificateData(registry: Registry, residentId: string, order: CertificateOrder): Promise<CertificateData> {
  const record = await registry.getResident(residentId);
  if (!record) throw new AppError('REGISTRY_RESIDENT_UNKNOWN', '指定された住民が住民記録にありません。照合をやり直してください。');
  const data: CertificateData = { resident: record.resident, household: record.household };
  if (order.kind === 'inkan') data.seal = await registry.sealRegistration(residentId);
  if (order.kind === 'shotoku_kazei' || order.kind === 'nozei') data.tax = await registry.taxRecord(residentId, requireYear(order));
  if (order.kind === 'kotei_shisan_hyoka') data.assets = await registry.fixedAssets(residentId);
  return data;
}

function juminhyoMember(r: Resident, o: JuminhyoOptions): JuminhyoMember {
  return {
    residentId: r.id,
    name: r.name,
    kana: r.kana,
    birthDate: r.birthDate,
    sex: sexLabel[r.sex],
    relationship: o.includeZokugara ? r.relationship : null,
    honseki: o.includeHonseki ? r.honseki : null,
    hittosha: o.includeHonseki ? r.hittosha : null,
    residentSince: r.residentSince,
    addressSince: r.addressSince,
    notifiedOn: r.notifiedOn,
    previousAddress: r.previousAddress ?? null,
    myNumber: o.showMyNumber ? requireMyNumber(r) : null,
  };
}

function requireMyNumber(r: Resident): string {
  if (!r.myNumber) throw new AppError('CERT_MYNUMBER_UNAVAILABLE', '個人番号が住民記録にない方がいます。個人番号を省略した住民票にしてください。');
  return r.myNumber;
}

/** Builds the content of one certificate, refusing what the city would refuse at the counter. */
export function buildCertificateContent(orderInput: CertificateOrder, data: CertificateData): CertificateContent {
  const parsed = CertificateOrder.safeParse(orderInput);
  if (!parsed.success) throw new AppError('CERT_ORDER_INVALID', '証明書の請求内容が正しくありません。請求書を確かめてください。');
  const order = parsed.data;
  const { resident: r, household: h } = data;
  const base = { residentId: r.id, name: r.name, birthDate: r.birthDate, address: h.address };
  switch (order.kind) {
    case 'juminhyo': {
      const o = order.juminhyo;
      if (!o) throw new AppError('CERT_JUMINHYO_OPTIONS_REQUIRED', '住民票の記載事項（世帯全員か一部か、本籍・続柄）を選んでください。');
      if (o.showMyNumber && order.requesterRelation === 'proxy') {
        throw new AppError('CERT_MYNUMBER_FOR_PROXY', '個人番号入りの住民票は代理人にはお渡しできません。個人番号を省略して請求し直してください。');
      }
      const members = o.scope === 'household' ? h.members : [r];
      const head = h.members.find((m) => m.id === h.headId)!;
      return { kind: 'juminhyo', residentId: r.id, scope: o.scope, address: h.address, head: head.name, members: members.map((m) => juminhyoMember(m, o)) };
    }
    case 'inkan': {
      if (!data.seal) throw new AppError('CERT_NO_SEAL', 'この方は印鑑登録がありません。印鑑登録証明書は発行できません。');
      return { kind: 'inkan', ...base, registrationNumber: data.seal.registrationNumber, impression: data.seal.impression };
    }
    case 'shotoku_kazei':
    case 'nozei': {
      const year = requireYear(order);
      const t = data.tax;
      if (!t || t.fiscalYear !== year) throw new AppError('CERT_NO_TAX_RECORD', `${warekiFiscalYear(year)}の課税の記録がありません。年度を確かめてください。`);
      if (order.kind === 'nozei') {
        const payments = t.payments.map((p) => ({ item: taxItemLabel[p.item], levied: p.levied, paid: p.paid, unpaid: p.levied - p.paid }));
        return { kind: 'nozei', ...base, fiscalYear: year, payments };
      }
      const { residentId: _r, fiscalYear: _y, payments: _p, ...tax } = t;
      return { kind: 'shotoku_kazei', ...base, fiscalYear: year, tax };
    }
    case 'kotei_shisan_hyoka': {
      const year = requireYear(order);
      const valued = (data.assets ?? []).flatMap((a) => {
        const v = a.valuations.find((x) => x.fiscalYear === year);
        return v ? [{ asset: a, value: v.value }] : [];
      });
      if (valued.length === 0) throw new AppError('CERT_NO_ASSETS', `${warekiFiscalYear(year)}に課税台帳に登録された土地・家屋がありません。年度を確かめてください。`);
      const lands = valued.flatMap(({ asset: a, value }) => (a.kind === 'land' ? [{ location: a.location, landCategory: a.landCategory, areaSqm: a.areaSqm, value }] : []));
      const buildings = valued.flatMap(({ asset: a, value }) =>
        a.kind === 'building'
          ? [{ location: a.location, buildingNumber: a.buildingNumber, usage: a.usage, structure: a.structure, floorAreaSqm: a.floorAreaSqm, builtYear: a.builtYear, value }]
          : [],
      );
      return { kind: 'kotei_shisan_hyoka', residentId: r.id, name: r.name, address: h.address, fiscalYear: year, lands, buildings };
    }
  }
}

/** The content as hashed: the My Number is replaced by whether it was shown. */
export function hashableContent(c: CertificateContent): unknown {
  if (c.kind !== 'juminhyo') return c;
  return { ...c, members: c.members.map((m) => ({ ...m, myNumber: m.myNumber === null ? null : 'shown' })) };
}

// The stand-in registry: invented residents of いわき市 read from fixtures/registry/*.json.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError, fieldProblems } from '../../protocol/errors';
import { addressesMatch, normalizeName } from '../../protocol/name-folding';
import type { Registry, ResidentMatch, ResidentRecord, ResidentSummary } from './registry';
import { ResidentQuery } from './registry';
import { AssetsFile, HouseholdsFile, RegistryData, SealsFile, TaxesFile } from './schema';
import type { FixedAsset, Household, Resident, SealRegistration, TaxRecord } from './schema';

export const defaultRegistryDir = fileURLToPath(new URL('../../fixtures/registry/', import.meta.url));

const files = {
  households: ['households.json', HouseholdsFile],
  seals: ['seals.json', SealsFile],
  taxes: ['taxes.json', TaxesFile],
  assets: ['assets.json', AssetsFile],
} as const;

async function readJson(dir: string, name: string): Promise<unknown> {
  const path = join(dir, name);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new AppError('REGISTRY_FILE_MISSING', `住民記録の見本データ（${name}）が読めません。設定の置き場所を確かめてください。`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('REGISTRY_FILE_INVALID', `住民記録の見本データ（${name}）の形式が壊れています。管理者が直してください。`);
  }
}

function parseOrThrow<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: import('zod').ZodError } }, value: unknown, name: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new AppError('REGISTRY_FILE_INVALID', `住民記録の見本データ（${name}）に正しくない項目があります。管理者が直してください。`, fieldProblems(r.error));
  }
  return r.data;
}

export class FixtureRegistry implements Registry {
  private readonly byId = new Map<string, ResidentRecord>();
  private readonly seals = new Map<string, SealRegistration>();
  private readonly taxes = new Map<string, TaxRecord>();
  private readonly assets = new Map<string, FixedAsset[]>();

  constructor(data: RegistryData) {
    const d = parseOrThrow(RegistryData, data, 'registry');
    for (const household of d.households) {
      for (const resident of household.members) this.byId.set(resident.id, { resident, household });
    }
    for (const s of d.seals) this.seals.set(s.residentId, s);
    for (const t of d.taxes) this.taxes.set(`${t.residentId}/${t.fiscalYear}`, t);
    for (const a of d.assets) this.assets.set(a.ownerId, [...(this.assets.get(a.ownerId) ?? []), a]);
  }

  /** Reads and validates the four fixture files of `dir` (default: fixtures/registry). */
  static async load(dir: string = defaultRegistryDir): Promise<FixtureRegistry> {
    const [h, s, t, a] = await Promise.all(Object.values(files).map(([name]) => readJson(dir, name)));
    return new FixtureRegistry({
      households: parseOrThrow(files.households[1], h, files.households[0]).households,
      seals: parseOrThrow(files.seals[1], s, files.seals[0]).seals,
      taxes: parseOrThrow(files.taxes[1], t, files.taxes[0]).records,
      assets: parseOrThrow(files.assets[1], a, files.assets[0]).assets,
    });
  }

  async findResident(query: ResidentQuery): Promise<ResidentMatch> {
    const q = ResidentQuery.safeParse(query);
    if (!q.success) {
      throw new AppError('REGISTRY_QUERY_INVALID', '照合する氏名・生年月日・住所が正しくありません。請求書の内容を確かめてください。', fieldProblems(q.error));
    }
    const name = normalizeName(q.data.name);
    const samePerson = [...this.byId.values()].filter((r) => r.resident.birthDate === q.data.birthDate && normalizeName(r.resident.name) === name);
    if (samePerson.length === 0) return { status: 'not_found' };
    const atAddress = samePerson.filter((r) => addressesMatch(r.household.address, q.data.address));
    if (atAddress.length === 1) return { status: 'found', resident: summary(atAddress[0]!) };
    if (atAddress.length > 1) return { status: 'ambiguous', reason: 'several_matches', candidates: atAddress.map(summary) };
    return { status: 'ambiguous', reason: samePerson.length > 1 ? 'several_matches' : 'address_differs', candidates: samePerson.map(summary) };
  }

  async getResident(residentId: string): Promise<ResidentRecord | null> {
    return this.byId.get(residentId) ?? null;
  }

  async householdMembers(residentId: string): Promise<Resident[]> {
    return this.record(residentId).household.members;
  }

  async sealRegistration(residentId: string): Promise<SealRegistration | null> {
    this.record(residentId);
    return this.seals.get(residentId) ?? null;
  }

  async taxRecord(residentId: string, fiscalYear: number): Promise<TaxRecord | null> {
    this.record(residentId);
    return this.taxes.get(`${residentId}/${fiscalYear}`) ?? null;
  }

  async fixedAssets(residentId: string): Promise<FixedAsset[]> {
    this.record(residentId);
    return this.assets.get(residentId) ?? [];
  }

  private record(residentId: string): ResidentRecord {
    const r = this.byId.get(residentId);
    if (!r) throw new AppError('REGISTRY_RESIDENT_UNKNOWN', '指定された住民が住民記録にありません。照合をやり直してください。');
    return r;
  }
}

function summary({ resident, household }: { resident: Resident; household: Household }): ResidentSummary {
  return {
    residentId: resident.id,
    householdId: household.id,
    name: resident.name,
    kana: resident.kana,
    birthDate: resident.birthDate,
    address: household.address,
  };
}

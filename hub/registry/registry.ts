// The city's core systems as the hub sees them. A real deployment replaces FixtureRegistry with an
// adapter to the 住民記録・税務 systems; the hub only ever talks to this interface.
import { z } from 'zod';
import type { FixedAsset, Household, Resident, SealRegistration, TaxRecord } from './schema';

/** What a relayed 交付請求書 says about its subject: name, birth date and address as entered. */
export const ResidentQuery = z.object({
  name: z.string().min(1).max(60),
  birthDate: z.iso.date(),
  address: z.string().min(1).max(300),
});
export type ResidentQuery = z.infer<typeof ResidentQuery>;

/** What an operator sees of a candidate: enough to tell two people apart, nothing more. */
export interface ResidentSummary {
  residentId: string;
  householdId: string;
  name: string;
  kana: string;
  birthDate: string;
  address: string;
}

/**
 * `found`: one resident with that name, birth date and address. `ambiguous`: the operator must
 * choose — several people match (`several_matches`), or the only person with that name and birth
 * date lives at another address (`address_differs`, e.g. a move not yet told to the vehicle).
 */
export type ResidentMatch =
  | { status: 'found'; resident: ResidentSummary }
  | { status: 'ambiguous'; reason: 'several_matches' | 'address_differs'; candidates: ResidentSummary[] }
  | { status: 'not_found' };

/** A resident with the household they belong to (住民票は世帯単位). */
export interface ResidentRecord {
  resident: Resident;
  household: Household;
}

export interface Registry {
  findResident(query: ResidentQuery): Promise<ResidentMatch>;
  /** The resident and their household; `null` when the id is unknown. */
  getResident(residentId: string): Promise<ResidentRecord | null>;
  /** Members of the resident's household, 世帯主 first, in the registry's order. */
  householdMembers(residentId: string): Promise<Resident[]>;
  /** 印鑑登録; `null` when the resident has no registered seal. */
  sealRegistration(residentId: string): Promise<SealRegistration | null>;
  /** 市民税・県民税 and 納税 for one fiscal year; `null` when there is no record for that year. */
  taxRecord(residentId: string, fiscalYear: number): Promise<TaxRecord | null>;
  /** Fixed assets the resident owns (土地・家屋), each with its 評価額 per fiscal year. */
  fixedAssets(residentId: string): Promise<FixedAsset[]>;
}

// The stand-in registry: fixture validation, matching a relayed request to a resident, lookups.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../protocol/errors';
import { FixtureRegistry, hasValidMyNumberCheckDigit, RegistryData, Resident } from '../../hub/registry';
import type { RegistryData as RegistryDataT } from '../../hub/registry';

const root = join(import.meta.dirname, '../..');
const registryDir = join(root, 'fixtures/registry');

function fixtureData(): RegistryDataT {
  const read = (f: string) => JSON.parse(readFileSync(join(registryDir, f), 'utf8'));
  return { households: read('households.json').households, seals: read('seals.json').seals, taxes: read('taxes.json').records, assets: read('assets.json').assets };
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? jsonFiles(p) : f.endsWith('.json') ? [p] : [];
  });
}

/** A check digit that passes, for building a number the schema must refuse. */
function withValidCheckDigit(first11: string): string {
  for (let d = 0; d <= 9; d++) if (hasValidMyNumberCheckDigit(first11 + d)) return first11 + d;
  throw new Error('unreachable');
}

let registry: FixtureRegistry;
beforeAll(async () => {
  registry = await FixtureRegistry.load();
});

describe('fixture files', () => {
  it('hold 10 to 20 households of invented residents that pass the schema', () => {
    const d = RegistryData.parse(fixtureData());
    expect(d.households.length).toBeGreaterThanOrEqual(10);
    expect(d.households.length).toBeLessThanOrEqual(20);
    for (const h of d.households) expect(h.address.startsWith('福島県いわき市')).toBe(true);
  });

  it('never contain a 12-digit number whose My Number check digit is valid', () => {
    const files = jsonFiles(join(root, 'fixtures'));
    expect(files.length).toBeGreaterThan(4);
    for (const f of files) {
      for (const m of readFileSync(f, 'utf8').matchAll(/(?<!\d)\d{12}(?!\d)/g)) {
        expect(hasValidMyNumberCheckDigit(m[0]), `${f}: ${m[0]}`).toBe(false);
      }
    }
  });

  it('refuse a resident whose fake My Number would pass the check digit', () => {
    const real = withValidCheckDigit('12345678901');
    const resident = fixtureData().households[0]!.members[0]!;
    expect(Resident.safeParse({ ...resident, myNumber: real }).success).toBe(false);
    expect(Resident.safeParse(resident).success).toBe(true);
  });

  it('refuse a seal registered to nobody, with a stable error code', () => {
    const d = fixtureData();
    d.seals.push({ ...d.seals[0]!, residentId: 'R9999' });
    try {
      new FixtureRegistry(d);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe('REGISTRY_FILE_INVALID');
      expect((e as AppError).message).toMatch(/住民記録/);
    }
  });

  it('fail with a Japanese message when the folder is missing', async () => {
    await expect(FixtureRegistry.load(join(root, 'fixtures/no-such-registry'))).rejects.toMatchObject({ code: 'REGISTRY_FILE_MISSING' });
  });
});

describe('finding the resident of a relayed request', () => {
  it('finds 磐城 髙子 typed with new kanji and full-width digits', async () => {
    const m = await registry.findResident({ name: '磐城 高子', birthDate: '1953-06-14', address: '福島県いわき市三和町下市萱字架空１－２－３' });
    expect(m.status).toBe('found');
    if (m.status === 'found') {
      expect(m.resident.name).toBe('磐城　髙子');
      expect(m.resident.kana).toBe('いわき　たかこ');
    }
  });

  it('finds every virtual card holder from the card as read, with the registry spelling the same', async () => {
    const dir = join(root, 'fixtures/cards');
    const cards = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(cards.length).toBeGreaterThanOrEqual(3);
    for (const f of cards) {
      const card = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { name: string; address: string; birthDate: string };
      const birthDate = `${card.birthDate.slice(0, 4)}-${card.birthDate.slice(4, 6)}-${card.birthDate.slice(6)}`;
      const m = await registry.findResident({ name: card.name, birthDate, address: card.address });
      expect(m.status, f).toBe('found');
      if (m.status === 'found') {
        expect(m.resident.name).toBe(card.name);
        expect(m.resident.address).toBe(card.address);
      }
    }
  });

  it('finds 𠮷田 花子 when staff type 吉田 and only the address up to the 番地', async () => {
    const m = await registry.findResident({ name: '吉田花子', birthDate: '1952-07-04', address: 'いわき市川前町上桶売字大平1番地' });
    expect(m).toMatchObject({ status: 'found', resident: { name: '𠮷田　花子' } });
  });

  it('tells two people with the same name and birth date apart by address', async () => {
    const a = await registry.findResident({ name: '鈴木一郎', birthDate: '1965-03-03', address: 'いわき市平字見本町3-5-7' });
    const b = await registry.findResident({ name: '鈴木一郎', birthDate: '1965-03-03', address: 'いわき市小名浜字例示2-10' });
    expect(a.status).toBe('found');
    expect(b.status).toBe('found');
    if (a.status === 'found' && b.status === 'found') expect(a.resident.residentId).not.toBe(b.resident.residentId);
  });

  it('is ambiguous, with both candidates, when the address does not decide between them', async () => {
    const m = await registry.findResident({ name: '鈴木　一郎', birthDate: '1965-03-03', address: '福島県いわき市' });
    expect(m.status).toBe('ambiguous');
    if (m.status === 'ambiguous') {
      expect(m.reason).toBe('several_matches');
      expect(m.candidates.map((c) => c.householdId).sort()).toEqual(['H005', 'H006']);
    }
  });

  it('asks the operator when the only person with that name and birth date lives elsewhere', async () => {
    const m = await registry.findResident({ name: '根本清', birthDate: '1936-06-06', address: 'いわき市好間町架空字例示78番地' });
    expect(m).toMatchObject({ status: 'ambiguous', reason: 'address_differs', candidates: [{ name: '根本　清' }] });
  });

  it('finds nobody for an unknown person or a wrong birth date', async () => {
    expect(await registry.findResident({ name: '架空　太郎', birthDate: '1970-01-01', address: 'いわき市平1-1' })).toEqual({ status: 'not_found' });
    expect(await registry.findResident({ name: '磐城髙子', birthDate: '1953-06-15', address: 'いわき市三和町下市萱字架空1-2-3' })).toEqual({ status: 'not_found' });
  });

  it('refuses a malformed query with a stable code', async () => {
    await expect(registry.findResident({ name: '', birthDate: '1953-6-14', address: 'x' })).rejects.toMatchObject({ code: 'REGISTRY_QUERY_INVALID' });
  });
});

describe('looking up records', () => {
  it('returns the household with 世帯主 first and the members in order', async () => {
    const members = await registry.householdMembers('R0001');
    expect(members.map((m) => m.relationship)).toEqual(['世帯主', '夫', '子', '子の妻', '孫', '孫']);
    const rec = await registry.getResident('R0004');
    expect(rec?.household.id).toBe('H001');
    expect(await registry.getResident('R9999')).toBeNull();
  });

  it('returns the seal, the tax record of a year and the assets', async () => {
    expect((await registry.sealRegistration('R0001'))?.impression.text).toBe('磐城');
    expect(await registry.sealRegistration('R0003')).toBeNull();
    const tax = await registry.taxRecord('R0001', 2026);
    expect(tax?.payments.some((p) => p.paid < p.levied)).toBe(true);
    expect(await registry.taxRecord('R0001', 2019)).toBeNull();
    const assets = await registry.fixedAssets('R0001');
    expect(assets.filter((a) => a.kind === 'land').length).toBeGreaterThan(0);
    expect(assets.filter((a) => a.kind === 'building').length).toBeGreaterThan(0);
  });

  it('refuses lookups for an unknown resident', async () => {
    await expect(registry.taxRecord('R9999', 2025)).rejects.toMatchObject({ code: 'REGISTRY_RESIDENT_UNKNOWN' });
  });
});

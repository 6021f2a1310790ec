// One name-folding table for both sides: the hub matching a relayed request with the registry, the
// vehicle comparing the My Number card with the request.
import { describe, expect, it } from 'vitest';
import { cardFieldChecks } from '../../electron/core/card-flows';
import type { BasicInfo } from '../../native/card/kenmen';
import { addressesMatch, normalizeAddress, normalizeName } from '../../protocol/name-folding';

describe('normalizing names and addresses', () => {
  it('folds old kanji, the supplementary 𠮷 and every kind of space', () => {
    expect(normalizeName('山﨑　髙志')).toBe(normalizeName('山崎 高志'));
    expect(normalizeName('𠮷田　花子')).toBe('吉田花子');
    expect(normalizeName('渡邉　そら')).toBe(normalizeName('渡辺そら'));
    expect(normalizeName('齋藤 和夫')).toBe(normalizeName('斎藤　和夫'));
  });

  it('reads kanji numerals and 番地の as the same address as digits and hyphens', () => {
    expect(normalizeAddress('福島県いわき市遠野町上遠野字本町八番地の一')).toBe(normalizeAddress('いわき市遠野町上遠野字本町8-1'));
    expect(normalizeAddress('いわき市平字見本町三丁目5番地の7')).toBe(normalizeAddress('いわき市平字見本町3-5-7'));
    expect(normalizeAddress('いわき市三和町下市萱字架空１－２－３')).toBe(normalizeAddress('福島県いわき市三和町下市萱字架空1-2-3'));
  });

  it('lets an address stop after its number, but not inside a number or before one', () => {
    const full = '福島県いわき市三和町上三坂字中ノ内一二三番地の四五　三和ふれあい館北側';
    expect(addressesMatch(full, 'いわき市三和町上三坂字中ノ内123-45')).toBe(true);
    expect(addressesMatch(full, 'いわき市三和町上三坂字中ノ内123-4')).toBe(false);
    expect(addressesMatch('いわき市平字見本町3-5-7', 'いわき市平')).toBe(false);
  });
});

describe('comparing the card with the request in the vehicle', () => {
  const card: BasicInfo = { name: '渡邉　そら', birthDate: '1990-04-01', address: '福島県いわき市平字田町１２０番地の３', sex: 'female' };
  const person = (patch: Partial<{ name: string; birthDate: string; address: string }> = {}) => ({ name: '渡辺 そら', birthDate: '1990-04-01', address: 'いわき市平字田町120-3', ...patch });
  const matches = (p: ReturnType<typeof person>) => Object.fromEntries(cardFieldChecks(card, p).map((c) => [c.field, c.match]));

  it('accepts a kanji variant only the hub table knew (邉 for 辺), with widths, spaces and 番地の folded', () => {
    expect(matches(person())).toEqual({ name: true, birthDate: true, address: true });
    for (const [old, now] of [['齋藤', '斎藤'], ['濱田', '浜田'], ['櫻井', '桜井'], ['髙橋', '高橋'], ['山﨑', '山崎']]) {
      expect(cardFieldChecks({ ...card, name: `${old!} そら` }, person({ name: `${now!}そら` }))[0]!.match, old).toBe(true);
    }
  });

  it('still tells a different person, birth date or address apart', () => {
    expect(matches(person({ name: '渡辺 そう' })).name).toBe(false);
    expect(matches(person({ birthDate: '1990-04-02' })).birthDate).toBe(false);
    expect(matches(person({ address: 'いわき市平字田町120-4' })).address).toBe(false);
    expect(matches(person({ address: 'いわき市平字田町1丁目2番3号' })).address).toBe(false);
  });

  it('reads 丁目・番・号 and hyphens as the same address', () => {
    expect(addressesMatch('いわき市小名浜1丁目2番3号', 'いわき市小名浜1-2-3')).toBe(true);
    expect(addressesMatch('いわき市小名浜1-2-3', 'いわき市小名浜1-2-4')).toBe(false);
  });
});

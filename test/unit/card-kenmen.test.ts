// The basic-4 file (EF 0002) is parsed strictly: a record is complete and valid, or there is none.
import { describe, expect, it } from 'vitest';
import { parseBasicInfo, TAG } from '../../native/card/kenmen';
import { concatBytes, encodeTlv } from '../../native/card/tlv';
import { buildBasicInfoFile, listProfiles, loadProfile } from '../../native/card/virtual/index';

const enc = new TextEncoder();
function file(fields: Array<[number, Uint8Array | string]>): Uint8Array {
  return encodeTlv(TAG.basicInfo, concatBytes(...fields.map(([t, v]) => encodeTlv(t, typeof v === 'string' ? enc.encode(v) : v))));
}
const good: Array<[number, string | Uint8Array]> = [
  [TAG.offsets, Uint8Array.of(0, 1, 0, 2, 0, 3, 0, 4)],
  [TAG.name, '髙橋　﨑子'],
  [TAG.address, '福島県いわき市平字梅本二一番地'],
  [TAG.birthDate, '19450815'],
  [TAG.sex, '2'],
];

describe('parsing the basic 4 info', () => {
  it('turns the birth date into YYYY-MM-DD and the ISO 5218 sex code into words', () => {
    expect(parseBasicInfo(file(good))).toEqual({ name: '髙橋　﨑子', address: '福島県いわき市平字梅本二一番地', birthDate: '1945-08-15', sex: 'female' });
    expect(parseBasicInfo(file(good.map(([t, v]) => [t, t === TAG.sex ? '1' : v]))).sex).toBe('male');
    expect(parseBasicInfo(file(good.map(([t, v]) => [t, t === TAG.sex ? '9' : v]))).sex).toBe('not_applicable');
  });

  it('parses every virtual card profile as built for the card', () => {
    for (const id of listProfiles()) {
      const p = loadProfile(id);
      expect(parseBasicInfo(buildBasicInfoFile(p)).name).toBe(p.name);
    }
  });

  it.each([
    ['a missing field', good.filter(([t]) => t !== TAG.address)],
    ['a field given twice', [...good, [TAG.name, '別名']]],
    ['a birth date that is not a calendar date', good.map(([t, v]) => [t, t === TAG.birthDate ? '19450230' : v])],
    ['a birth date in another format', good.map(([t, v]) => [t, t === TAG.birthDate ? 'S20.08.15' : v])],
    ['an unknown sex code', good.map(([t, v]) => [t, t === TAG.sex ? '0' : v])],
    ['text that is not UTF-8', good.map(([t, v]) => [t, t === TAG.name ? Uint8Array.of(0xe9, 0xab) : v])],
    ['an empty name', good.map(([t, v]) => [t, t === TAG.name ? '' : v])],
    ['offsets of odd length', good.map(([t, v]) => [t, t === TAG.offsets ? Uint8Array.of(0, 1, 2) : v])],
  ] as Array<[string, Array<[number, string | Uint8Array]>]>)('rejects %s as CARD_DATA_INVALID', (_label, fields) => {
    expect(() => parseBasicInfo(file(fields))).toThrow(expect.objectContaining({ code: 'CARD_DATA_INVALID' }));
  });

  it('rejects the malformed file the virtual card serves under fault injection', () => {
    expect(() => parseBasicInfo(buildBasicInfoFile(loadProfile('yamazaki-takashi'), true))).toThrow(
      expect.objectContaining({ code: 'CARD_DATA_INVALID' }),
    );
  });

  it('rejects a file whose outer tag is not FF20', () => {
    expect(() => parseBasicInfo(encodeTlv(0xff21, encodeTlv(TAG.name, enc.encode('x'))))).toThrow(
      expect.objectContaining({ code: 'CARD_DATA_INVALID' }),
    );
  });
});

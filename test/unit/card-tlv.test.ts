// Strict BER-TLV: every length checked, malformed input is a TlvError, never a crash or a partial tree.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, encodeTlv, parseTlv, parseTlvList, readHeader, TlvError, totalLength } from '../../native/card/tlv';

const tagArb = fc.oneof(
  fc.integer({ min: 0x01, max: 0x1e }).map((n) => 0x80 | n), // one-byte context tags (primitive)
  fc.integer({ min: 0x1f, max: 0x7f }).map((n) => 0xdf00 | n), // two-byte private primitive tags
);
const valueArb = fc.uint8Array({ minLength: 0, maxLength: 600 });

describe('BER-TLV parsing', () => {
  it('parses what it encodes, for short and long lengths alike', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(tagArb, valueArb), { minLength: 1, maxLength: 5 }), (items) => {
        const inner = concatBytes(...items.map(([t, v]) => encodeTlv(t, v)));
        const outer = encodeTlv(0xff20, inner);
        const node = parseTlv(outer);
        expect(node.tag).toBe(0xff20);
        expect(node.children?.map((c) => [c.tag, Array.from(c.value)])).toEqual(items.map(([t, v]) => [t, Array.from(v)]));
        expect(totalLength(outer.subarray(0, 5))).toBe(outer.length);
      }),
    );
  });

  it('never throws anything but TlvError on arbitrary bytes, and never returns a tree past the input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          const node = parseTlv(bytes);
          expect(node.headerLength + node.value.length).toBe(bytes.length);
        } catch (e) {
          expect(e).toBeInstanceOf(TlvError);
        }
      }),
    );
  });

  it('rejects every truncation of a valid structure', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(tagArb, valueArb), { minLength: 1, maxLength: 3 }), fc.nat(), (items, cut) => {
        const outer = encodeTlv(0xff20, concatBytes(...items.map(([t, v]) => encodeTlv(t, v))));
        const n = cut % outer.length;
        expect(() => parseTlv(outer.subarray(0, n))).toThrow(TlvError);
      }),
    );
  });

  it('rejects an inner length that runs past its container', () => {
    const bad = Uint8Array.of(0xff, 0x20, 0x05, 0xdf, 0x22, 0x09, 0x41, 0x42);
    expect(() => parseTlv(bad)).toThrow(/past its container/);
  });

  it('rejects indefinite lengths, over-long length fields and trailing bytes', () => {
    expect(() => readHeader(Uint8Array.of(0x30, 0x80))).toThrow(/indefinite/);
    expect(() => readHeader(Uint8Array.of(0x30, 0x85, 1, 1, 1, 1, 1))).toThrow(/too long/);
    expect(() => parseTlv(Uint8Array.of(0x80, 0x01, 0x00, 0xaa))).toThrow(/trailing/);
    expect(() => parseTlv(Uint8Array.of(0x00, 0x00))).toThrow(/padding/);
    expect(parseTlvList(Uint8Array.of(0x80, 0x00, 0x81, 0x01, 0x07)).map((n) => n.tag)).toEqual([0x80, 0x81]);
  });

  it('limits nesting depth instead of recursing without end', () => {
    let v: Uint8Array = Uint8Array.of(0x80, 0x00);
    for (let i = 0; i < 20; i += 1) v = encodeTlv(0x30, v);
    expect(() => parseTlv(v)).toThrow(/deeply/);
  });
});

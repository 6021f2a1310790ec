import { describe, expect, it } from 'vitest';
import { decodeResponse, encodeRequest, GroupTag, groupOf, Operation, ValueTag } from '../../native/printer/ipp-encoding';
import { coverOpenAttributes } from '../../native/printer/ipp-cover';
import { problemsFromPrinterState, reasonToProblem } from '../../native/printer/ipp-reasons';

/** Builds a response by hand, byte by byte, as a printer would send it. */
function attr(tag: number, name: string, value: Buffer): Buffer {
  const n = Buffer.from(name);
  const len = (x: number) => Buffer.from([x >> 8, x & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len(n.length), n, len(value.length), value]);
}
const int = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
};

describe('IPP message encoding', () => {
  it('writes the header, groups, additional values with empty names, the end tag and the document', () => {
    const buf = encodeRequest({
      operation: Operation.getPrinterAttributes,
      requestId: 7,
      groups: [{ tag: GroupTag.operation, attributes: [{ tag: ValueTag.keyword, name: 'requested-attributes', values: ['a', 'bc'] }] }],
      data: Buffer.from('%PDF'),
    });
    expect([...buf.subarray(0, 8)]).toEqual([1, 1, 0, 0x0b, 0, 0, 0, 7]);
    expect(buf[8]).toBe(GroupTag.operation);
    expect(buf.subarray(9).toString('latin1')).toBe('\x44\x00\x14requested-attributes\x00\x01a\x44\x00\x00\x00\x02bc\x03%PDF');
  });

  it('reads multi-valued attributes, enums, collections and out-of-band values', () => {
    const res = Buffer.concat([
      Buffer.from([2, 0, 0, 0, 0, 0, 0, 9, GroupTag.printer]),
      attr(ValueTag.enum, 'printer-state', int(3)),
      attr(ValueTag.keyword, 'printer-state-reasons', Buffer.from('media-empty-report')),
      attr(ValueTag.keyword, '', Buffer.from('cover-open-error')),
      attr(ValueTag.begCollection, 'media-col-default', Buffer.alloc(0)),
      attr(ValueTag.memberAttrName, '', Buffer.from('media-key')),
      attr(ValueTag.keyword, '', Buffer.from('iso_a4_210x297mm')),
      attr(ValueTag.endCollection, '', Buffer.alloc(0)),
      attr(ValueTag.noValue, 'media-ready', Buffer.alloc(0)),
      Buffer.from([GroupTag.end]),
    ]);
    const decoded = decodeResponse(res);
    expect(decoded).toMatchObject({ version: [2, 0], statusCode: 0, requestId: 9 });
    expect(groupOf(decoded, GroupTag.printer)).toEqual({
      'printer-state': [3],
      'printer-state-reasons': ['media-empty-report', 'cover-open-error'],
      'media-col-default': [{ 'media-key': ['iso_a4_210x297mm'] }],
      'media-ready': [null],
    });
  });

  it('refuses a truncated response instead of reading past its end', () => {
    expect(() => decodeResponse(Buffer.from([1, 1, 0, 0, 0, 0, 0, 1, 4, 0x21, 0, 5, 0x61]))).toThrow(/truncated/);
  });
});

describe('printer-state-reasons for staff', () => {
  it('maps media-empty with any severity suffix to the refill message and blocks printing', () => {
    for (const k of ['media-empty', 'media-empty-report', 'media-empty-error']) {
      expect(reasonToProblem(k)).toEqual({ code: 'media-empty', message: '用紙がありません。A4用紙を補充してください。', blocking: true });
    }
  });

  it('shows media-empty and media-needed once, keeps media-low as a warning, and ignores none', () => {
    const problems = problemsFromPrinterState(3, ['media-empty-report', 'media-needed-report', 'media-low-report', 'none']);
    expect(problems.map((p) => `${p.code}:${p.blocking}`)).toEqual(['media-empty:true', 'media-low:false']);
  });

  it('blocks on a stopped printer even without a reason, and on unknown reasons only at error severity', () => {
    expect(problemsFromPrinterState(5, ['none'])[0]?.code).toBe('stopped');
    expect(reasonToProblem('interpreter-resource-unavailable-warning')?.blocking).toBe(false);
    expect(reasonToProblem('interpreter-resource-unavailable-error')?.blocking).toBe(true);
  });

  it("answers an open cover as a printer does: stopped, cover-open-error, which staff read as the cover's message", () => {
    const answer = decodeResponse(coverOpenAttributes(4711));
    expect(answer).toMatchObject({ version: [2, 0], statusCode: 0, requestId: 4711 });
    const printer = groupOf(answer, GroupTag.printer);
    expect(printer['printer-state']).toEqual([5]);
    expect(printer['printer-state-reasons']).toEqual(['cover-open-error']);
    expect(problemsFromPrinterState(5, printer['printer-state-reasons'] as string[]).map((p) => p.message)).toEqual([
      'プリンターのカバーが開いています。カバーを閉じてください。',
    ]);
  });
});

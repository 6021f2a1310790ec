import { describe, expect, it } from 'vitest';
import { receiptProfiles } from '../../native/printer/config';
import { EscposDecoder, type DecodedEvent } from '../../native/printer/escpos-decoder';
import { encodeReceipt, encodeShiftJis } from '../../native/printer/escpos-encode';
import { feed, rule, text, type ReceiptDocument } from '../../native/printer/receipt-document';

const doc: ReceiptDocument = {
  lines: [text('いわき市', { align: 'center', size: 'double', bold: true }), text('住民票の写し　２通　￥６００'), rule, feed(1), text('担当 S001', { align: 'right' })],
};

function decode(segments: Buffer[], chunk = 0): DecodedEvent[] {
  const d = new EscposDecoder();
  const all = Buffer.concat(segments);
  if (!chunk) return d.push(all);
  const events: DecodedEvent[] = [];
  for (let i = 0; i < all.length; i += chunk) events.push(...d.push(all.subarray(i, i + chunk)));
  return events;
}

describe('ESC/POS encoding in Kanji mode', () => {
  it('selects Shift_JIS with FS C 1 and wraps each line in FS & … FS .', async () => {
    const bytes = Buffer.concat(await encodeReceipt(doc, receiptProfiles['kanji-80mm']));
    expect(bytes.includes(Buffer.from([0x1c, 0x43, 0x01]))).toBe(true);
    const sjis = Buffer.concat([Buffer.from([0x1c, 0x26]), encodeShiftJis('住民票の写し　２通　￥６００'), Buffer.from([0x1c, 0x2e])]);
    expect(bytes.includes(sjis)).toBe(true);
    // node-thermal-printer's JAPAN set (ESC R 8) must not be used: it is the wrong encoding for Epson.
    expect(bytes.includes(Buffer.from([0x1b, 0x52, 0x08]))).toBe(false);
  });

  it('decodes back to the same words, styles and a cut, even when TCP splits multibyte characters', async () => {
    const segments = await encodeReceipt(doc, receiptProfiles['kanji-80mm']);
    for (const chunk of [0, 1, 3, 7]) {
      const events = decode(segments, chunk);
      const texts = events.filter((e) => e.type === 'text');
      expect(texts.map((t) => t.text)).toEqual(['いわき市', '住民票の写し　２通　￥６００', '-'.repeat(48), '担当 S001']);
      expect(texts[0]).toMatchObject({ align: 'center', size: 'double', bold: true });
      expect(texts[3]).toMatchObject({ align: 'right', size: 'normal', bold: false });
      expect(events.filter((e) => e.type === 'cut')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'unknown')).toEqual([]);
    }
  });

  it('refuses a character Shift_JIS cannot carry rather than printing a wrong one', () => {
    expect(() => encodeShiftJis('髙橋 😀')).toThrow(/印字できない文字/);
  });
});

describe('ESC/POS encoding in raster mode', () => {
  it('sends the receipt as GS v 0 images of the paper width and no text bytes', async () => {
    const segments = await encodeReceipt(doc, receiptProfiles['raster-58mm']);
    const events = decode(segments);
    const images = events.filter((e) => e.type === 'image');
    expect(images.length).toBeGreaterThan(0);
    for (const img of images) expect(img.width).toBe(384);
    expect(events.filter((e) => e.type === 'text' && e.text !== '')).toEqual([]);
    expect(events.filter((e) => e.type === 'cut')).toHaveLength(1);
  });
});

// A receipt as lines of styled text, independent of how the printer is driven (Kanji mode or raster).
// Widths are counted in half-width columns: a full-width character (kanji, ￥, ３) takes two.
import { z } from 'zod';

export const ReceiptLine = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('text'),
    text: z.string().refine((s) => !/[\r\n\t\x00-\x1f\x7f]/.test(s), '制御文字は印字できません。'),
    align: z.enum(['left', 'center', 'right']).default('left'),
    size: z.enum(['normal', 'double']).default('normal'),
    bold: z.boolean().default(false),
  }),
  z.object({ type: z.literal('rule') }),
  z.object({ type: z.literal('feed'), lines: z.number().int().min(1).max(10) }),
]);
export type ReceiptLine = z.infer<typeof ReceiptLine>;
export type ReceiptTextLine = Extract<ReceiptLine, { type: 'text' }>;

export const ReceiptDocument = z.object({ lines: z.array(ReceiptLine).min(1) });
export type ReceiptDocument = z.infer<typeof ReceiptDocument>;

/** Columns a string takes on the printer: ASCII and half-width katakana one, everything else two. */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    w += c < 0x80 || (c >= 0xff61 && c <= 0xff9f) ? 1 : 2;
  }
  return w;
}

/** Label on the left, value on the right, padded with spaces to the line width. */
export function leftRight(left: string, right: string, columns: number): string {
  const gap = columns - displayWidth(left) - displayWidth(right);
  return gap >= 1 ? `${left}${' '.repeat(gap)}${right}` : `${left} ${right}`;
}

/** Full-width digits and comma, the way amounts are written on a city receipt: １，２００. */
export function fullWidthNumber(n: number): string {
  return n.toLocaleString('en-US').replace(/[0-9,]/g, (d) => (d === ',' ? '，' : String.fromCharCode(d.charCodeAt(0) + 0xfee0)));
}

/** ￥ followed by the amount in full-width digits. */
export function yen(n: number): string {
  return `￥${fullWidthNumber(n)}`;
}

export const text = (t: string, style: Partial<Omit<ReceiptTextLine, 'type' | 'text'>> = {}): ReceiptLine => ({
  type: 'text',
  text: t,
  align: style.align ?? 'left',
  size: style.size ?? 'normal',
  bold: style.bold ?? false,
});
export const rule: ReceiptLine = { type: 'rule' };
export const feed = (lines: number): ReceiptLine => ({ type: 'feed', lines });

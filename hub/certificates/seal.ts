// 印影 and the mayor's 職印, drawn as vectors in red: an outline (circle, square or oval) and the
// carved characters in columns read right to left, as seals are cut.
import type { SealImpression } from '../registry/schema';
import type { Page } from './layout';

function columns(chars: string[]): string[][] {
  if (chars.length <= 3) return [chars];
  if (chars.length === 4) return [chars.slice(0, 2), chars.slice(2)];
  return [chars.slice(0, 3), chars.slice(3)];
}

/** Characters set in columns inside a w×h area centred on (cx, cy); the first column is on the right. */
function carve(page: Page, cx: number, cy: number, w: number, h: number, cols: string[][]): void {
  const rows = Math.max(...cols.map((c) => c.length));
  const cell = Math.min(w / cols.length, h / rows);
  const sizePt = (cell * 0.92 * 72) / 25.4;
  cols.forEach((col, i) => {
    const x = cx + w / 2 - cell * (i + 0.5) - (w - cell * cols.length) / 2;
    const pitch = h / col.length;
    col.forEach((ch, j) => {
      const top = cy - h / 2 + pitch * (j + 0.5) - cell * 0.46;
      // Three slightly shifted prints give the heavier stroke of a stamped impression.
      for (const dx of [-0.08, 0, 0.08]) page.text(ch, x + dx, top, sizePt, 'red', 'center');
    });
  });
}

export function drawSealImpression(page: Page, cx: number, cy: number, seal: SealImpression): void {
  const s = seal.sizeMm;
  const ring = Math.max(0.45, s * 0.055);
  const chars = [...seal.text];
  const cols = columns(chars);
  if (seal.shape === 'circle') {
    page.ellipse(cx, cy, s / 2 - ring / 2, s / 2 - ring / 2, ring, 'red');
    const inner = s - 2 * ring;
    // A column of characters fits the circle's chord; a 2×2 block fits its inscribed square.
    if (cols.length === 1) carve(page, cx, cy, inner * 0.6, inner * (chars.length === 1 ? 0.62 : 0.84), cols);
    else carve(page, cx, cy, inner * 0.72, inner * 0.72, cols);
  } else if (seal.shape === 'oval') {
    const rx = s * 0.36;
    page.ellipse(cx, cy, rx - ring / 2, s / 2 - ring / 2, ring, 'red');
    carve(page, cx, cy, rx * 1.1, (s - 2 * ring) * 0.74, cols);
  } else {
    page.rect({ x: cx - s / 2 + ring / 2, y: cy - s / 2 + ring / 2, w: s - ring, h: s - ring }, ring, 'red');
    carve(page, cx, cy, s - 2 * ring - 1, s - 2 * ring - 1, cols);
  }
}

/** The mayor's seal (職印): a square with いわき / 市長 / 之印 in three columns. */
export function drawOfficialSeal(page: Page, cx: number, cy: number, sizeMm: number, columnsText: string[]): void {
  const ring = sizeMm * 0.05;
  page.rect({ x: cx - sizeMm / 2, y: cy - sizeMm / 2, w: sizeMm, h: sizeMm }, ring, 'red');
  const inner = sizeMm - 2 * ring - 1.2;
  carve(page, cx, cy, inner, inner, columnsText.map((c) => [...c]));
}

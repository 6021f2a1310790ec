// A small display list for A4 certificates: layout code places text and rules in millimetres from
// the top-left corner; `paint` turns the list into pdf-lib calls once every string is known, so
// the fonts can be embedded as subsets of exactly the glyphs used.
import { rgb } from 'pdf-lib';
import type { PDFPage } from 'pdf-lib';
import type { CertificateFonts, EmbeddedFaces } from './fonts';

export const A4 = { width: 210, height: 297 } as const;
const PT = 72 / 25.4;
export const mm = (v: number) => v * PT;

export type Color = 'black' | 'red' | 'gray' | 'shade';
const colors = {
  black: rgb(0, 0, 0),
  red: rgb(0.82, 0.1, 0.12),
  gray: rgb(0.35, 0.35, 0.35),
  shade: rgb(0.93, 0.93, 0.93),
};

export type Op =
  | { op: 'text'; text: string; x: number; baseline: number; sizePt: number; color: Color }
  | { op: 'rect'; x: number; y: number; w: number; h: number; lineMm: number; stroke?: Color; fill?: Color }
  | { op: 'line'; x1: number; y1: number; x2: number; y2: number; lineMm: number; color: Color }
  | { op: 'ellipse'; cx: number; cy: number; rx: number; ry: number; lineMm: number; color: Color };

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface TextOptions {
  sizePt?: number;
  minSizePt?: number;
  align?: 'left' | 'center' | 'right';
  valign?: 'top' | 'middle';
  color?: Color;
  padMm?: number;
}

// Characters that may not begin a line (行頭禁則).
const noLineStart = new Set([...'、。，．・：；？！）」』】〕］｝ーぁぃぅぇぉっゃゅょァィゥェォッャュョ々']);
const noLineEnd = new Set([...'（「『【〔［｛']);
const ASCENT = 0.88; // IPAex: ascender 880/1000, used to put a line's top where the layout says

export class Page {
  readonly ops: Op[] = [];
  constructor(private readonly fonts: CertificateFonts) {}

  widthMm(text: string, sizePt: number): number {
    return this.fonts.widthOf(text, sizePt) / PT;
  }

  /** One line of text whose top is at `y` (mm). */
  text(text: string, x: number, y: number, sizePt: number, color: Color = 'black', align: 'left' | 'center' | 'right' = 'left'): void {
    const w = this.widthMm(text, sizePt);
    const left = align === 'left' ? x : align === 'center' ? x - w / 2 : x - w;
    this.ops.push({ op: 'text', text, x: left, baseline: y + (sizePt / PT) * ASCENT, sizePt, color });
  }

  rect(b: Box, lineMm = 0.25, stroke: Color | undefined = 'black', fill?: Color): void {
    this.ops.push({ op: 'rect', ...b, lineMm, ...(stroke ? { stroke } : {}), ...(fill ? { fill } : {}) });
  }

  line(x1: number, y1: number, x2: number, y2: number, lineMm = 0.25, color: Color = 'black'): void {
    this.ops.push({ op: 'line', x1, y1, x2, y2, lineMm, color });
  }

  ellipse(cx: number, cy: number, rx: number, ry: number, lineMm: number, color: Color): void {
    this.ops.push({ op: 'ellipse', cx, cy, rx, ry, lineMm, color });
  }

  /** Breaks text into lines no wider than `width` mm; CJK breaks anywhere except before 、。 etc. */
  wrap(text: string, sizePt: number, width: number): string[] {
    const lines: string[] = [];
    let line = '';
    for (const ch of text) {
      const last = line.slice(-1);
      if (line && this.widthMm(line + ch, sizePt) > width && !noLineStart.has(ch)) {
        // An opening bracket moves down with what it opens (行末禁則).
        if (noLineEnd.has(last) && line.length > 1) {
          lines.push(line.slice(0, -1));
          line = last + ch;
        } else {
          lines.push(line);
          line = ch === '　' || ch === ' ' ? '' : ch;
        }
      } else {
        line += ch;
      }
    }
    lines.push(line);
    return lines;
  }

  /**
   * Text inside a box: one line at the preferred size if it fits, else smaller down to `minSizePt`,
   * else wrapped (shrinking further until every line fits), so nothing ever crosses a rule.
   */
  textIn(box: Box, text: string, o: TextOptions = {}): void {
    const pad = o.padMm ?? 1.6;
    const width = box.w - 2 * pad;
    const height = box.h - 2 * Math.min(pad, 1.2);
    const lineGap = 1.25;
    const preferred = o.sizePt ?? 10.5;
    const min = o.minSizePt ?? Math.min(preferred, 8);
    const given = text.split('\n');
    const fits = (lines: string[], size: number) =>
      lines.every((l) => this.widthMm(l, size) <= width) && ((lines.length - 1) * size * lineGap + size) / PT <= height;
    let size = preferred;
    let lines = given;
    while (size > min && !fits(given, size)) size -= 0.25;
    if (!fits(given, size)) {
      size = preferred;
      for (;;) {
        lines = given.flatMap((l) => this.wrap(l, size, width));
        if (fits(lines, size) || size <= 5) break;
        size -= 0.25;
      }
    }
    const blockH = ((lines.length - 1) * size * lineGap + size) / PT;
    let y = (o.valign ?? 'middle') === 'middle' ? box.y + (box.h - blockH) / 2 : box.y + Math.min(pad, 1.2);
    for (const line of lines) {
      const x = o.align === 'center' ? box.x + box.w / 2 : o.align === 'right' ? box.x + box.w - pad : box.x + pad;
      this.text(line, x, y, size, o.color ?? 'black', o.align ?? 'left');
      y += (size * lineGap) / PT;
    }
  }

  /** A bordered cell; label cells are shaded and centred, as on the city's printed forms. */
  cell(box: Box, text: string, o: TextOptions & { label?: boolean } = {}): void {
    if (o.label) this.rect(box, 0.25, undefined, 'shade');
    this.rect(box, 0.25);
    if (text) this.textIn(box, text, o.label ? { align: 'center', sizePt: 9.5, minSizePt: 6.5, ...o } : o);
  }
}

/** Every string the pages draw, for choosing the font subsets. */
export function allText(pages: Page[]): string {
  return pages.flatMap((p) => p.ops.flatMap((o) => (o.op === 'text' ? [o.text] : []))).join('');
}

/** Draws a page's display list; text runs switch face where the main face lacks a glyph. */
export function paint(page: PDFPage, ops: Op[], fonts: CertificateFonts, faces: EmbeddedFaces): void {
  const H = A4.height;
  for (const o of ops) {
    switch (o.op) {
      case 'rect':
        page.drawRectangle({
          x: mm(o.x),
          y: mm(H - o.y - o.h),
          width: mm(o.w),
          height: mm(o.h),
          borderWidth: o.stroke ? mm(o.lineMm) : 0,
          ...(o.stroke ? { borderColor: colors[o.stroke] } : {}),
          ...(o.fill ? { color: colors[o.fill] } : {}),
        });
        break;
      case 'line':
        page.drawLine({ start: { x: mm(o.x1), y: mm(H - o.y1) }, end: { x: mm(o.x2), y: mm(H - o.y2) }, thickness: mm(o.lineMm), color: colors[o.color] });
        break;
      case 'ellipse':
        page.drawEllipse({ x: mm(o.cx), y: mm(H - o.cy), xScale: mm(o.rx), yScale: mm(o.ry), borderWidth: mm(o.lineMm), borderColor: colors[o.color] });
        break;
      case 'text': {
        let x = mm(o.x);
        for (const run of faceRuns(o.text, fonts)) {
          const font = run.face === 'main' ? faces.main : faces.fallback!;
          page.drawText(run.text, { x, y: mm(H - o.baseline), size: o.sizePt, font, color: colors[o.color] });
          x += fonts.widthOf(run.text, o.sizePt);
        }
        break;
      }
    }
  }
}

function faceRuns(text: string, fonts: CertificateFonts): Array<{ face: 'main' | 'fallback'; text: string }> {
  const runs: Array<{ face: 'main' | 'fallback'; text: string }> = [];
  for (const ch of text) {
    const face = fonts.faceFor(ch.codePointAt(0)!);
    const last = runs[runs.length - 1];
    if (last && last.face === face) last.text += ch;
    else runs.push({ face, text: ch });
  }
  return runs;
}

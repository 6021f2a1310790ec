// Draws receipt lines as a PNG with a Japanese font. Used twice: the raster mode for printers without
// a kanji font, and the emulator's picture of what it printed. resvg ships prebuilt, so no
// system graphics library is needed.
import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { displayWidth } from './receipt-document';

export const defaultFontFile = '/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf';

export type RenderItem =
  | { type: 'text'; text: string; align: 'left' | 'center' | 'right'; size: 'normal' | 'double'; bold: boolean }
  | { type: 'rule' }
  | { type: 'feed'; lines: number }
  | { type: 'image'; png: Buffer; width: number; height: number }
  | { type: 'cut' };

export interface RenderOptions {
  /** Printable width in dots (576 on 80 mm paper at 203 dpi). */
  widthDots: number;
  /** Half-width columns across the line; sets the font size so layouts line up. */
  columns: number;
  fontFile?: string;
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderToPng(items: RenderItem[], options: RenderOptions): Buffer {
  const fontFile = options.fontFile ?? defaultFontFile;
  if (!existsSync(fontFile)) throw new Error(`日本語フォントが見つかりません（${fontFile}）。fonts-ipaexfont を入れてください。`);
  const cell = options.widthDots / options.columns; // half-width column in dots
  const normal = cell * 2; // a full-width glyph is two columns wide and square
  const parts: string[] = [];
  let y = 8;
  for (const item of items) {
    switch (item.type) {
      case 'text': {
        const scale = item.size === 'double' ? 2 : 1;
        const size = normal * scale;
        const lineHeight = Math.round(size * 1.25);
        // Every character sits in its printer cell (one column for ASCII, two for full-width), as on
        // the paper; the font's own proportional Latin widths would break the column layout.
        const xs: number[] = [];
        let col = 0;
        for (const ch of item.text) {
          xs.push(col * cell * scale);
          col += displayWidth(ch);
        }
        const lineDots = col * cell * scale;
        const start = item.align === 'left' ? 0 : item.align === 'center' ? (options.widthDots - lineDots) / 2 : options.widthDots - lineDots;
        // IPAex has no bold face; a thin stroke gives the same emphasis a printer's bold does.
        const bold = item.bold ? ` stroke="#000" stroke-width="${(size / 24).toFixed(2)}"` : '';
        if (xs.length) {
          const x = xs.map((v) => (start + v).toFixed(1)).join(' ');
          parts.push(`<text x="${x}" y="${y + size * 0.88}" font-size="${size}" xml:space="preserve"${bold}>${escapeXml(item.text)}</text>`);
        }
        y += lineHeight;
        break;
      }
      case 'rule':
        parts.push(`<line x1="0" y1="${y + normal / 2}" x2="${options.widthDots}" y2="${y + normal / 2}" stroke="#000" stroke-width="2" stroke-dasharray="6 4"/>`);
        y += Math.round(normal * 1.25);
        break;
      case 'feed':
        y += Math.round(normal * 1.25) * item.lines;
        break;
      case 'image':
        parts.push(`<image x="0" y="${y}" width="${item.width}" height="${item.height}" href="data:image/png;base64,${item.png.toString('base64')}"/>`);
        y += item.height;
        break;
      case 'cut':
        parts.push(`<line x1="0" y1="${y + 10}" x2="${options.widthDots}" y2="${y + 10}" stroke="#888" stroke-width="1" stroke-dasharray="2 6"/>`);
        parts.push(`<text x="${options.widthDots - 4}" y="${y + 28}" font-size="14" text-anchor="end" fill="#888">✂ カット</text>`);
        y += 32;
        break;
    }
  }
  const height = Math.ceil(y + 8);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${options.widthDots}" height="${height}" font-family="IPAexGothic"><rect width="100%" height="100%" fill="#fff"/>${parts.join('')}</svg>`;
  const resvg = new Resvg(svg, { font: { fontFiles: [fontFile], loadSystemFonts: false, defaultFontFamily: 'IPAexGothic' } });
  return Buffer.from(resvg.render().asPng());
}

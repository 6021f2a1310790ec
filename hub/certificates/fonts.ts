// Certificate faces: IPAex明朝 for the text, IPAmj明朝 (made for 住民基本台帳 characters) for
// names IPAex lacks, such as 𠮷 (U+20BB7). Both are embedded as subsets of the glyphs used.
import { readFile } from 'node:fs/promises';
import fontkit from '@pdf-lib/fontkit';
import type { PDFDocument, PDFFont } from 'pdf-lib';
import subsetFont from 'subset-font';
import { AppError } from '../../protocol/errors';

export interface CertificateFontFiles {
  main: string;
  fallback: string;
}

/** Debian fonts-ipaexfont-mincho and fonts-ipamj-mincho (scripts/setup.sh installs both). */
export const defaultFontFiles: CertificateFontFiles = {
  main: '/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf',
  fallback: '/usr/share/fonts/truetype/ipamj/ipamjm.ttf',
};

type Fontkit = ReturnType<typeof fontkit.create>;
export type FaceId = 'main' | 'fallback';

export interface EmbeddedFaces {
  main: PDFFont;
  fallback: PDFFont | null;
}

async function readFont(path: string): Promise<{ bytes: Uint8Array; font: Fontkit }> {
  try {
    const bytes = await readFile(path);
    return { bytes, font: fontkit.create(bytes) };
  } catch {
    throw new AppError('CERT_FONT_MISSING', `証明書の書体（${path}）が読めません。市役所の管理者が書体を入れてください。`);
  }
}

function hex(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Loaded once per hub and shared by every rendering (the fallback face is 46 MB). */
export class CertificateFonts {
  /** Advance widths in ems by code point: layout measures the same characters again and again. */
  private readonly advances = new Map<number, number>();

  private constructor(
    private readonly main: { bytes: Uint8Array; font: Fontkit },
    private readonly fallback: { bytes: Uint8Array; font: Fontkit } | null,
  ) {}

  /** The main face is required; without the fallback only names that need it fail (CERT_GLYPH_MISSING). */
  static async load(files: CertificateFontFiles = defaultFontFiles): Promise<CertificateFonts> {
    const [main, fallback] = await Promise.all([readFont(files.main), readFont(files.fallback).catch(() => null)]);
    return new CertificateFonts(main, fallback);
  }

  /** Which face draws a character; a character neither has stops the rendering (a blank in a name is not acceptable on a certificate). */
  faceFor(cp: number): FaceId {
    if (cp === 0x20 || cp === 0x3000 || this.main.font.hasGlyphForCodePoint(cp)) return 'main';
    if (this.fallback?.font.hasGlyphForCodePoint(cp)) return 'fallback';
    throw new AppError('CERT_GLYPH_MISSING', `証明書に印字できない文字（${hex(cp)}）があります。市民課で外字の扱いを確かめてください。`);
  }

  /** Width in points, glyph by glyph with the face that draws each one (no kerning in 明朝 text). */
  widthOf(text: string, size: number): number {
    let ems = 0;
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      let advance = this.advances.get(cp);
      if (advance === undefined) {
        const f = this.faceFor(cp) === 'main' ? this.main.font : this.fallback!.font;
        advance = f.glyphForCodePoint(cp).advanceWidth / f.unitsPerEm;
        this.advances.set(cp, advance);
      }
      ems += advance;
    }
    return ems * size;
  }

  /** Embeds the main face (subset by pdf-lib) and, only when `text` needs it, a subset of the fallback. */
  async embed(doc: PDFDocument, text: string): Promise<EmbeddedFaces> {
    // pdf-lib parses the bytes it is given for every document; the main face (4 MB, copied byte by
    // byte by fontkit's own Buffer) is handed over already parsed, which keeps ~25 ms off each
    // certificate. A parsed face is only read from (each document makes its own subset of it).
    doc.registerFontkit({ create: (bytes, name) => (bytes === this.main.bytes ? this.main.font : fontkit.create(bytes, name)) });
    const main = await doc.embedFont(this.main.bytes, { subset: true, customName: 'ODKMIN+IPAexMincho' });
    const rare = [...new Set([...text].filter((ch) => this.faceFor(ch.codePointAt(0)!) === 'fallback'))].sort().join('');
    if (!rare) return { main, fallback: null };
    // pdf-lib's own subsetter drops the outlines of this face, so harfbuzz cuts it down first.
    const small = await subsetFont(this.fallback!.bytes, rare, { targetFormat: 'truetype' });
    const fallback = await doc.embedFont(small, { subset: false, customName: 'ODKMJM+IPAmjMincho' });
    return { main, fallback };
  }
}

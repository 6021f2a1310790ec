// Reads an ESC/POS byte stream the way a printer would, incrementally (a command may be split across
// TCP chunks), and reports what it means: text in its style, feeds, rules of text, raster images,
// cuts, and real-time status requests. Shift_JIS is decoded only while Kanji mode is on.
import iconv from 'iconv-lite';
import { PNG } from 'pngjs';

export type Align = 'left' | 'center' | 'right';

export type DecodedEvent =
  | { type: 'text'; text: string; align: Align; size: 'normal' | 'double'; bold: boolean }
  | { type: 'feed'; lines: number }
  | { type: 'image'; width: number; height: number; png: Buffer }
  | { type: 'cut'; partial: boolean }
  | { type: 'status-request'; n: number }
  | { type: 'paper-status-request'; n: number }
  | { type: 'unknown'; bytes: number[] };

interface Style {
  align: Align;
  widthMul: number;
  heightMul: number;
  bold: boolean;
  kanji: boolean;
  kanjiCode: 'sjis' | 'jis' | 'other';
}

const initialStyle = (): Style => ({ align: 'left', widthMul: 1, heightMul: 1, bold: false, kanji: false, kanjiCode: 'jis' });

/** Bytes a command needs, counted from its first byte; undefined when more bytes must arrive first. */
type Need = number | undefined;

export class EscposDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private style = initialStyle();
  private lineStyle: Style | undefined;
  private lineParts: string[] = [];
  private pendingText: number[] = [];
  private pendingKanji = false;

  /** Feeds bytes; returns what they meant. Incomplete commands wait for the next call. */
  push(chunk: Buffer): DecodedEvent[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const events: DecodedEvent[] = [];
    let i = 0;
    for (;;) {
      if (i >= this.buf.length) break;
      const used = this.step(i, events);
      if (used === undefined) break;
      i += used;
    }
    this.buf = this.buf.subarray(i);
    return events;
  }

  private at(i: number): number | undefined {
    return i < this.buf.length ? this.buf[i] : undefined;
  }

  private flushText(): void {
    if (!this.pendingText.length) return;
    const bytes = Buffer.from(this.pendingText);
    this.lineParts.push(this.pendingKanji && this.style.kanjiCode === 'sjis' ? iconv.decode(bytes, 'cp932') : iconv.decode(bytes, 'latin1'));
    this.pendingText = [];
  }

  private endLine(events: DecodedEvent[]): void {
    this.flushText();
    const s = this.lineStyle ?? this.style;
    events.push({ type: 'text', text: this.lineParts.join(''), align: s.align, size: s.heightMul > 1 || s.widthMul > 1 ? 'double' : 'normal', bold: s.bold });
    this.lineParts = [];
    this.lineStyle = undefined;
  }

  private addTextByte(b: number): void {
    if (this.pendingText.length && this.pendingKanji !== this.style.kanji) this.flushText();
    this.pendingKanji = this.style.kanji;
    this.lineStyle ??= { ...this.style };
    this.pendingText.push(b);
  }

  /** Handles the command at i; returns the bytes it used, or undefined to wait for more. */
  private step(i: number, events: DecodedEvent[]): Need {
    const b = this.buf[i]!;
    const n1 = this.at(i + 1);
    const n2 = this.at(i + 2);
    switch (b) {
      case 0x0a:
        this.endLine(events);
        return 1;
      case 0x0d:
        return 1;
      case 0x09:
        this.addTextByte(0x20);
        return 1;
      case 0x0c:
        this.endLine(events);
        return 1;
      case 0x10: // DLE
        if (n1 === undefined || n2 === undefined) return undefined;
        if (n1 === 0x04) {
          events.push({ type: 'status-request', n: n2 });
          return 3;
        }
        if (n1 === 0x05) return 3; // DLE ENQ n
        if (n1 === 0x14) return this.at(i + 4) === undefined ? undefined : 5; // DLE DC4 fn m t
        events.push({ type: 'unknown', bytes: [b, n1] });
        return 2;
      case 0x1b: // ESC
        return this.esc(i, events);
      case 0x1c: // FS
        return this.fs(i, events);
      case 0x1d: // GS
        return this.gs(i, events);
      default:
        if (b < 0x20) {
          events.push({ type: 'unknown', bytes: [b] });
          return 1;
        }
        // A Shift_JIS lead byte needs its trail byte in the same decode.
        if (this.style.kanji && this.style.kanjiCode === 'sjis' && ((b >= 0x81 && b <= 0x9f) || (b >= 0xe0 && b <= 0xfc))) {
          if (n1 === undefined) return undefined;
          this.addTextByte(b);
          this.addTextByte(n1);
          return 2;
        }
        this.addTextByte(b);
        return 1;
    }
  }

  private esc(i: number, events: DecodedEvent[]): Need {
    const c = this.at(i + 1);
    if (c === undefined) return undefined;
    const n = this.at(i + 2);
    const needN = (): Need => (n === undefined ? undefined : 3);
    switch (c) {
      case 0x40: // ESC @ initialize
        this.flushText();
        if (this.lineParts.length) this.endLine(events);
        this.style = initialStyle();
        return 2;
      case 0x32: // ESC 2 default line spacing
      case 0x3c:
        return 2;
      case 0x21: // ESC ! n print mode
        if (n === undefined) return undefined;
        this.flushText();
        this.style.bold = (n & 0x08) !== 0;
        this.style.heightMul = n & 0x10 ? 2 : 1;
        this.style.widthMul = n & 0x20 ? 2 : 1;
        return 3;
      case 0x45: // ESC E n bold
        if (n === undefined) return undefined;
        this.flushText();
        this.style.bold = (n & 1) === 1;
        return 3;
      case 0x61: // ESC a n justification
        if (n === undefined) return undefined;
        this.style.align = n === 1 || n === 49 ? 'center' : n === 2 || n === 50 ? 'right' : 'left';
        if (this.lineStyle && !this.lineParts.length && !this.pendingText.length) this.lineStyle = undefined;
        return 3;
      case 0x64: // ESC d n feed n lines
        if (n === undefined) return undefined;
        if (this.lineParts.length || this.pendingText.length) this.endLine(events);
        events.push({ type: 'feed', lines: n });
        return 3;
      case 0x4a: // ESC J n feed n dots
        if (n === undefined) return undefined;
        return 3;
      case 0x2d: // ESC - underline
      case 0x4d: // ESC M font
      case 0x74: // ESC t code table
      case 0x52: // ESC R international set
      case 0x33: // ESC 3 line spacing
      case 0x7b: // ESC { upside down
      case 0x3d: // ESC = select peripheral
      case 0x47: // ESC G double strike
      case 0x56: // ESC V rotate
      case 0x20: // ESC SP right spacing
      case 0x63: // ESC c (c3/c4/c5 n)
        return c === 0x63 ? (this.at(i + 3) === undefined ? undefined : 4) : needN();
      case 0x24: // ESC $ nL nH absolute position
        return this.at(i + 3) === undefined ? undefined : 4;
      case 0x70: // ESC p m t1 t2 drawer kick
        return this.at(i + 4) === undefined ? undefined : 5;
      case 0x42: // ESC B n t buzzer (TM series)
        return this.at(i + 3) === undefined ? undefined : 4;
      case 0x44: { // ESC D n1..nk NUL tab positions
        const end = this.buf.indexOf(0x00, i + 2);
        return end === -1 ? undefined : end - i + 1;
      }
      default:
        events.push({ type: 'unknown', bytes: [0x1b, c] });
        return 2;
    }
  }

  private fs(i: number, events: DecodedEvent[]): Need {
    const c = this.at(i + 1);
    if (c === undefined) return undefined;
    const n = this.at(i + 2);
    switch (c) {
      case 0x26: // FS & kanji on
        this.style.kanji = true;
        return 2;
      case 0x2e: // FS . kanji off
        this.style.kanji = false;
        return 2;
      case 0x43: // FS C n kanji code system
        if (n === undefined) return undefined;
        this.style.kanjiCode = n === 1 || n === 49 ? 'sjis' : n === 0 || n === 48 ? 'jis' : 'other';
        return 3;
      case 0x21: // FS ! n kanji print mode
      case 0x2d: // FS - n kanji underline
      case 0x57: // FS W n kanji quadruple
        return n === undefined ? undefined : 3;
      case 0x53: // FS S n1 n2 kanji spacing
        return this.at(i + 3) === undefined ? undefined : 4;
      default:
        events.push({ type: 'unknown', bytes: [0x1c, c] });
        return 2;
    }
  }

  private gs(i: number, events: DecodedEvent[]): Need {
    const c = this.at(i + 1);
    if (c === undefined) return undefined;
    const n = this.at(i + 2);
    switch (c) {
      case 0x21: // GS ! n character size
        if (n === undefined) return undefined;
        this.flushText();
        this.style.widthMul = ((n >> 4) & 0x07) + 1;
        this.style.heightMul = (n & 0x07) + 1;
        return 3;
      case 0x56: { // GS V m [n] cut
        if (n === undefined) return undefined;
        const withFeed = n === 65 || n === 66 || n === 97 || n === 98 || n === 103 || n === 104;
        if (withFeed && this.at(i + 3) === undefined) return undefined;
        if (this.lineParts.length || this.pendingText.length) this.endLine(events);
        events.push({ type: 'cut', partial: n === 1 || n === 49 || n === 66 || n === 98 || n === 104 });
        return withFeed ? 4 : 3;
      }
      case 0x76: { // GS v 0 m xL xH yL yH d1…dk raster image
        if (this.at(i + 7) === undefined) return undefined;
        const xBytes = this.buf[i + 4]! + this.buf[i + 5]! * 256;
        const rows = this.buf[i + 6]! + this.buf[i + 7]! * 256;
        const total = 8 + xBytes * rows;
        if (this.buf.length - i < total) return undefined;
        if (this.lineParts.length || this.pendingText.length) this.endLine(events);
        events.push(rasterToPng(this.buf.subarray(i + 8, i + total), xBytes, rows));
        return total;
      }
      case 0x72: // GS r n transmit status
        if (n === undefined) return undefined;
        events.push({ type: 'paper-status-request', n });
        return 3;
      case 0x42: // GS B reverse
      case 0x48: // GS H HRI position
      case 0x66: // GS f HRI font
      case 0x68: // GS h barcode height
      case 0x77: // GS w barcode width
      case 0x61: // GS a ASB
        return n === undefined ? undefined : 3;
      case 0x4c: // GS L nL nH left margin
      case 0x57: // GS W nL nH print width
        return this.at(i + 3) === undefined ? undefined : 4;
      case 0x28: { // GS ( fn pL pH … : length-prefixed function
        if (this.at(i + 4) === undefined) return undefined;
        const len = 5 + this.buf[i + 3]! + this.buf[i + 4]! * 256;
        return this.buf.length - i < len ? undefined : len;
      }
      case 0x6b: { // GS k m … barcode: m < 65 NUL-terminated, else length byte
        if (n === undefined) return undefined;
        if (n < 65) {
          const end = this.buf.indexOf(0x00, i + 3);
          return end === -1 ? undefined : end - i + 1;
        }
        const len = this.at(i + 3);
        return len === undefined || this.buf.length - i < 4 + len ? undefined : 4 + len;
      }
      default:
        events.push({ type: 'unknown', bytes: [0x1d, c] });
        return 2;
    }
  }
}

/** A 1-bit GS v 0 image (MSB first, 1 = black) as a PNG for the emulator's picture of the receipt. */
function rasterToPng(data: Buffer, xBytes: number, rows: number): DecodedEvent {
  const width = xBytes * 8;
  const png = new PNG({ width, height: rows });
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < width; x++) {
      const black = (data[y * xBytes + (x >> 3)]! >> (7 - (x & 7))) & 1;
      const o = (y * width + x) * 4;
      const v = black ? 0 : 255;
      png.data[o] = v;
      png.data[o + 1] = v;
      png.data[o + 2] = v;
      png.data[o + 3] = 255;
    }
  }
  return { type: 'image', width, height: rows, png: PNG.sync.write(png) };
}

// Turns a receipt into ESC/POS bytes for a printer profile. node-thermal-printer builds the ordinary
// commands (alignment, size, bold, cut, raster image); the Japanese text itself is written in Kanji
// mode (FS C 1 Shift_JIS, FS & … FS .) because the library's JAPAN character set is wrong for
// Epson (ESC R 8 with EUC-JP). Output is a list of segments: the printer adapter may ask for status
// between segments, never inside one (a status request inside raster data would be read as pixels).
import iconv from 'iconv-lite';
import { PNG } from 'pngjs';
import { ThermalPrinter, PrinterTypes } from 'node-thermal-printer';
import { ReceiptDocument, type ReceiptLine } from './receipt-document';
import { renderToPng } from './render';
import { PrinterError } from './types';
import type { ReceiptProfile } from './config';

export const FS_KANJI_SJIS = Buffer.from([0x1c, 0x43, 0x01]); // FS C 1: kanji code system = Shift_JIS
export const FS_KANJI_ON = Buffer.from([0x1c, 0x26]); // FS &
export const FS_KANJI_OFF = Buffer.from([0x1c, 0x2e]); // FS .

/** Shift_JIS (cp932) bytes of a line; refuses characters that would not come back as written. */
export function encodeShiftJis(text: string): Buffer {
  const bytes = iconv.encode(text, 'cp932');
  if (iconv.decode(bytes, 'cp932') !== text) {
    const bad = [...text].filter((ch) => iconv.decode(iconv.encode(ch, 'cp932'), 'cp932') !== ch);
    throw new PrinterError('RECEIPT_UNPRINTABLE_CHAR', `レシートに印字できない文字があります（${bad.join('')}）。文字を置き換えてください。`, false);
  }
  return bytes;
}

function builder(): ThermalPrinter {
  // The builder is only used to compose bytes; it never opens the connection.
  return new ThermalPrinter({ type: PrinterTypes.EPSON, interface: 'tcp://127.0.0.1:9100' });
}

function take(b: ThermalPrinter): Buffer {
  const out = b.getBuffer() ?? Buffer.alloc(0);
  b.clear();
  return Buffer.from(out);
}

function kanjiLine(b: ThermalPrinter, line: ReceiptLine, columns: number): void {
  switch (line.type) {
    case 'feed':
      b.add(Buffer.from([0x1b, 0x64, line.lines])); // ESC d n
      return;
    case 'rule':
      b.add(Buffer.from(`${'-'.repeat(columns)}\n`, 'ascii'));
      return;
    case 'text':
      if (line.align === 'center') b.alignCenter();
      else if (line.align === 'right') b.alignRight();
      else b.alignLeft();
      b.setTextSize(line.size === 'double' ? 1 : 0, line.size === 'double' ? 1 : 0);
      b.bold(line.bold);
      b.add(Buffer.concat([FS_KANJI_ON, encodeShiftJis(line.text), FS_KANJI_OFF, Buffer.from([0x0a])]));
      b.bold(false);
      b.setTextSize(0, 0);
      b.alignLeft();
  }
}

function rasterBands(png: Buffer, bandRows: number): Buffer[] {
  const image = PNG.sync.read(png);
  const bands: Buffer[] = [];
  for (let top = 0; top < image.height; top += bandRows) {
    const rows = Math.min(bandRows, image.height - top);
    const band = new PNG({ width: image.width, height: rows });
    image.data.copy(band.data, 0, top * image.width * 4, (top + rows) * image.width * 4);
    bands.push(PNG.sync.write(band));
  }
  return bands;
}

/** ESC/POS segments for one receipt, ending with the cut. */
export async function encodeReceipt(input: ReceiptDocument, profile: ReceiptProfile): Promise<Buffer[]> {
  const doc = ReceiptDocument.parse(input);
  const b = builder();
  const segments: Buffer[] = [];
  b.add(Buffer.from([0x1b, 0x40])); // ESC @: start from the power-on modes
  if (profile.mode === 'kanji') {
    b.add(FS_KANJI_SJIS);
    segments.push(take(b));
    for (const line of doc.lines) {
      kanjiLine(b, line, profile.columns);
      segments.push(take(b));
    }
  } else {
    segments.push(take(b));
    const png = renderToPng(doc.lines, { widthDots: profile.widthDots, columns: profile.columns, ...(profile.fontFile ? { fontFile: profile.fontFile } : {}) });
    // Bands keep each GS v 0 within the size every printer's receive buffer accepts.
    for (const band of rasterBands(png, 256)) {
      await b.printImageBuffer(band);
      segments.push(take(b));
    }
  }
  b.cut();
  segments.push(take(b));
  return segments.filter((s) => s.length > 0);
}

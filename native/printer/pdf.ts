// Small A4 PDFs in Japanese: the printer test page and sample certificates for tests and the bench.
// Real certificates are rendered by the hub; this only needs to be a valid document of known pages.
import { readFileSync } from 'node:fs';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, rgb } from 'pdf-lib';
import { defaultFontFile } from './render';

const A4: [number, number] = [595.28, 841.89];

export interface SimplePdfInput {
  title: string;
  /** One array of lines per page. */
  pages: string[][];
  fontFile?: string;
}

export async function makeSimplePdf(input: SimplePdfInput): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  // Subset: only the glyphs used are embedded, so a page stays a few kilobytes.
  const font = await doc.embedFont(readFileSync(input.fontFile ?? defaultFontFile), { subset: true });
  doc.setTitle(input.title);
  doc.setCreator('odekake');
  // Fixed dates keep the same input producing the same bytes.
  doc.setCreationDate(new Date(0));
  doc.setModificationDate(new Date(0));
  input.pages.forEach((lines, i) => {
    const page = doc.addPage(A4);
    page.drawText(input.title, { x: 56, y: A4[1] - 80, size: 22, font });
    lines.forEach((line, j) => page.drawText(line, { x: 56, y: A4[1] - 130 - j * 22, size: 13, font, color: rgb(0, 0, 0) }));
    page.drawText(`${i + 1} / ${input.pages.length}`, { x: A4[0] - 100, y: 40, size: 10, font });
  });
  return doc.save();
}

export function makeTestPagePdf(at: Date, printerUri: string): Promise<Uint8Array> {
  return makeSimplePdf({
    title: 'いわき市 お出かけ市役所　プリンター試験印刷',
    pages: [[
      `印刷日時: ${at.toISOString()}`,
      `プリンター: ${printerUri}`,
      'この用紙は試験印刷です。証明書としては使えません。',
      '文字がかすれたり欠けたりしていないか確認してください。',
      '住民票の写し　印鑑登録証明書　所得・課税証明書　￥３００',
    ]],
  });
}

/** A sample certificate with invented content (never real residents). */
export function makeSampleCertificatePdf(serial: string, pages = 1): Promise<Uint8Array> {
  return makeSimplePdf({
    title: '住民票の写し（見本）',
    pages: Array.from({ length: pages }, (_, p) => [
      `交付番号 ${serial}`,
      '氏名　磐城　見本太郎（架空）',
      '住所　福島県いわき市平字見本町一丁目１番地',
      `この写しは見本です（${p + 1}枚目）。`,
    ]),
  });
}

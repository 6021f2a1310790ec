// A certificate's pages as PNG images, for the operator to look at before approving: poppler's
// pdftoppm draws them from the PDF's own bytes (the fonts embedded in it), as a printer would.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CertificatePreviewPage } from '../../protocol/console-api';
import { HubError } from '../errors';

const run = promisify(execFile);
/** Sharp enough to read 9 pt text on a console screen; an A4 page is about 1000 × 1400 pixels. */
const DPI = 120;
const PAGE_LIMIT = 10;

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

export async function certificatePages(pdf: Uint8Array): Promise<CertificatePreviewPage[]> {
  // The PDF holds personal data: it is written to a folder only this process's user can read, and removed.
  const dir = await mkdtemp(join(tmpdir(), 'odekake-preview-'));
  try {
    const file = join(dir, 'certificate.pdf');
    await writeFile(file, pdf, { mode: 0o600 });
    try {
      await run('pdftoppm', ['-png', '-r', String(DPI), '-l', String(PAGE_LIMIT), file, join(dir, 'page')], { timeout: 30_000 });
    } catch {
      throw new HubError(503, 'PREVIEW_UNAVAILABLE', '証明書の見本を表示できませんでした（画像にする仕組みが動いていません）。管理者に連絡してください。');
    }
    // pdftoppm numbers the pages page-1.png… (zero-padded when there are ten or more).
    const names = (await readdir(dir)).filter((n) => /^page-\d+\.png$/.test(n)).sort((a, b) => Number(a.slice(5, -4)) - Number(b.slice(5, -4)));
    const pages: CertificatePreviewPage[] = [];
    for (const name of names) {
      const png = await readFile(join(dir, name));
      pages.push({ png: png.toString('base64'), ...pngSize(png) });
    }
    return pages;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// Where the vehicle's printers are and how to drive them. Read from a JSON file (or CLI flags) and
// validated here, so a typo in the file becomes a Japanese message instead of a print failure later.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * How the receipt printer takes Japanese: `kanji` for printers with a kanji font (Epson TM-m30 etc.,
 * Shift_JIS in Kanji mode); `raster` for printers without one (text sent as a picture).
 */
export const ReceiptProfile = z.object({
  mode: z.enum(['kanji', 'raster']),
  /** Half-width columns per line in the normal font: 48 on 80 mm paper, 32 on 58 mm. */
  columns: z.number().int().min(24).max(64),
  /** Printable dots per line, a multiple of 8 (576 on 80 mm, 384 on 58 mm at 203 dpi). */
  widthDots: z.number().int().min(256).max(832).multipleOf(8),
  /** Font for raster mode; IPAex Gothic by default. */
  fontFile: z.string().min(1).optional(),
});
export type ReceiptProfile = z.infer<typeof ReceiptProfile>;

export const receiptProfiles = {
  'kanji-80mm': { mode: 'kanji', columns: 48, widthDots: 576 },
  'kanji-58mm': { mode: 'kanji', columns: 32, widthDots: 384 },
  'raster-80mm': { mode: 'raster', columns: 48, widthDots: 576 },
  'raster-58mm': { mode: 'raster', columns: 32, widthDots: 384 },
} as const satisfies Record<string, ReceiptProfile>;
export type ReceiptProfileName = keyof typeof receiptProfiles;

const profileNames = Object.keys(receiptProfiles) as [ReceiptProfileName, ...ReceiptProfileName[]];

export const PrinterConfig = z.object({
  certificate: z.object({
    uri: z.string().regex(/^ipps?:\/\/[^/\s]+\/\S*$/, 'A4プリンターの宛先は ipp://ホスト:ポート/ipp/print の形で書いてください。'),
    jobTimeoutMs: z.number().int().min(1_000).max(600_000).default(120_000),
  }),
  receipt: z.object({
    host: z.string().min(1, 'レシートプリンターのホスト名を書いてください。'),
    port: z.number().int().min(1).max(65_535).default(9100),
    profile: z.union([z.enum(profileNames), ReceiptProfile]).default('kanji-80mm'),
    connectTimeoutMs: z.number().int().min(100).max(60_000).default(3_000),
    jobTimeoutMs: z.number().int().min(1_000).max(600_000).default(30_000),
  }),
});
export type PrinterConfig = z.infer<typeof PrinterConfig>;
export type PrinterConfigInput = z.input<typeof PrinterConfig>;

export function resolveProfile(profile: PrinterConfig['receipt']['profile']): ReceiptProfile {
  return typeof profile === 'string' ? { ...receiptProfiles[profile] } : profile;
}

export class PrinterConfigError extends Error {
  readonly code = 'PRINTER_CONFIG_INVALID';
}

function configError(error: z.ZodError, source: string): PrinterConfigError {
  const first = error.issues[0];
  const where = first?.path.join('.') || '全体';
  const japanese = first && /[\u3040-\u30ff\u4e00-\u9fff]/.test(first.message) ? first.message : '値が正しくありません。';
  return new PrinterConfigError(`プリンター設定（${source}）の ${where} が正しくありません: ${japanese}`);
}

export function parsePrinterConfig(input: unknown, source = '設定'): PrinterConfig {
  const result = PrinterConfig.safeParse(input);
  if (!result.success) throw configError(result.error, source);
  return result.data;
}

export type PrinterKind = keyof PrinterConfig;

/** Only the printers named: a command for the receipt printer needs no A4 printer's address. */
export function parsePrinterParts<K extends PrinterKind>(input: unknown, parts: readonly K[], source = '設定'): Pick<PrinterConfig, K> {
  const record = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const out: Partial<PrinterConfig> = {};
  for (const k of parts) {
    const result = PrinterConfig.shape[k].safeParse(record[k]);
    if (!result.success) {
      for (const issue of result.error.issues) issue.path.unshift(k);
      throw configError(result.error, source);
    }
    Object.assign(out, { [k]: result.data });
  }
  return out as Pick<PrinterConfig, K>;
}

/** The file's JSON as written, before validation (a command for one printer reads only that part). */
export function readPrinterConfigFile(file: string): unknown {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch {
    throw new PrinterConfigError(`プリンター設定ファイルが読めません（${file}）。パスを確認してください。`);
  }
  try {
    return JSON.parse(raw);
  } catch {
    throw new PrinterConfigError(`プリンター設定ファイルが JSON として読めません（${file}）。書式を確認してください。`);
  }
}

export function loadPrinterConfig(file: string): PrinterConfig {
  return parsePrinterConfig(readPrinterConfigFile(file), file);
}

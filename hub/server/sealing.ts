// Sealing of what the hub keeps for a while that may carry a resident's 個人番号: issued certificates'
// PDFs (documents.pdf) and the print jobs waiting in a vehicle's inbox. AES-256-GCM with the hub's data
// key, a file in the data folder (pki/data.key, 0600) and never in the database: a copy of the database
// alone reads none of them. Each blob is bound to its place (a document's id, a print job's vehicle and
// id), so a sealed blob copied into another row does not open. Rows written before sealing began hold
// plaintext and still read: a sealed blob starts with a version marker a PDF never starts with.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exposedMode } from '../../common/file-mode';
import { HubError } from '../errors';

/** Marker of a sealed blob (version 1), followed by the IV (12 bytes), the ciphertext and the tag (16 bytes). */
const MAGIC = Buffer.from('OSB1', 'ascii');
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Marker of a sealed PDF inside a print job's stored `pdfBase64` (then the base64 of the sealed blob). */
export const SEALED_BASE64_PREFIX = 'sealed-v1:';

function unreadable(): HubError {
  return new HubError(
    500,
    'SEALED_DATA_UNREADABLE',
    '保存されている証明書を開けません。データ鍵（pki/data.key）が保存したときのものと違うか、保存された内容が壊れています。管理者に連絡してください。',
  );
}

export class HubSealer {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the hub data key must be 32 bytes');
  }

  static isSealed(stored: Uint8Array): boolean {
    return stored.length >= MAGIC.length && Buffer.from(stored.buffer, stored.byteOffset, MAGIC.length).equals(MAGIC);
  }

  seal(context: string, plain: Uint8Array): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(aad(context));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([MAGIC, iv, body, cipher.getAuthTag()]);
  }

  /** The plaintext of a stored blob; a blob stored before sealing began (no marker) is returned as it is. */
  open(context: string, stored: Uint8Array): Buffer {
    const b = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
    if (!HubSealer.isSealed(b)) return Buffer.from(b);
    if (b.length < MAGIC.length + IV_BYTES + TAG_BYTES) throw unreadable();
    const iv = b.subarray(MAGIC.length, MAGIC.length + IV_BYTES);
    const tag = b.subarray(b.length - TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
      decipher.setAAD(aad(context));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(b.subarray(MAGIC.length + IV_BYTES, b.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw unreadable();
    }
  }

  /** A PDF as a print job keeps it in the inbox: the marker, then the sealed blob in base64. */
  sealBase64(context: string, pdfBase64: string): string {
    if (pdfBase64 === '') return '';
    return SEALED_BASE64_PREFIX + this.seal(context, Buffer.from(pdfBase64, 'base64')).toString('base64');
  }

  /** The PDF's base64 the vehicle gets; a row stored before sealing began (no marker) is returned as it is. */
  openBase64(context: string, stored: string): string {
    if (!stored.startsWith(SEALED_BASE64_PREFIX)) return stored;
    const sealed = Buffer.from(stored.slice(SEALED_BASE64_PREFIX.length), 'base64');
    if (!HubSealer.isSealed(sealed)) throw unreadable();
    return this.open(context, sealed).toString('base64');
  }
}

function aad(context: string): Buffer {
  return Buffer.from(`odekake-hub-seal-v1\n${context}`, 'utf8');
}

/** The context a certificate's PDF is sealed under in documents.pdf. */
export const documentContext = (documentId: string) => `document:${documentId}`;
/** The context a print job's PDF is sealed under in the vehicle's inbox. */
export const printJobContext = (vehicleId: string, jobId: string) => `print_job:${vehicleId}:${jobId}`;

/** Writes a new data key (hex, 0600) unless one is there; another hub process making it first is fine. */
export function createHubDataKey(file: string): void {
  if (existsSync(file)) return;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

/**
 * The hub's data key (pki/data.key), made on first use for a hub set up before it existed. A key file
 * group or others can read is refused: whoever reads it opens every sealed certificate.
 */
export function ensureHubDataKey(file: string): HubSealer {
  createHubDataKey(file);
  const mode = exposedMode(file);
  if (mode !== null) {
    throw new HubError(
      500,
      'DATA_KEY_READABLE',
      `ハブのデータ鍵のファイルをほかの利用者も読めます（${file}、権限 ${mode.toString(8)}）。chmod 600 ${file} を実行してから、もう一度起動してください。`,
    );
  }
  const hex = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/i.test(hex)) {
    throw new HubError(500, 'DATA_KEY_INVALID', `ハブのデータ鍵のファイルが壊れています（${file}）。管理者に連絡してください。`);
  }
  return new HubSealer(Buffer.from(hex, 'hex'));
}

// Personal fields are sealed with AES-256-GCM before they touch the disk. The key never sits in the
// database: under Electron it is sealed by the OS keychain (safeStorage), in host mode it is a 0600 file.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { exposedMode } from '../../common/file-mode';
import { dirname } from 'node:path';
import { AppError } from './errors';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Seals and opens text bound to a context string (the row it belongs to), so sealed values cannot be swapped between rows. */
export class FieldCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('FieldCipher needs a 32-byte key');
  }

  seal(plaintext: string, context: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
  }

  /** Seals bytes (a photo) bound to a context string, in the same format as seal(). */
  sealBytes(plain: Buffer, context: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
  }

  open(sealed: Buffer, context: string): string {
    return this.openBytes(sealed, context).toString('utf8');
  }

  openBytes(sealed: Buffer, context: string): Buffer {
    if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) {
      throw new AppError('SEALED_DATA_CORRUPT', '保存データが壊れています。管理者に連絡してください。');
    }
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch {
      throw new AppError('SEALED_DATA_CORRUPT', '保存データが壊れているか、別の端末の鍵で暗号化されています。管理者に連絡してください。');
    }
  }
}

const SEALED_TEXT = 's1:';

/**
 * Free text kept in a TEXT column (a reason, a PIN hash): sealed like the personal fields, written as
 * `s1:` and base64. Text written before sealing (no prefix) is read as it is, and sealed when next written.
 */
export function sealText(cipher: Pick<FieldCipher, 'seal'>, text: string, context: string): string {
  return SEALED_TEXT + cipher.seal(text, context).toString('base64');
}

export function openText(cipher: Pick<FieldCipher, 'open'>, stored: string, context: string): string {
  return stored.startsWith(SEALED_TEXT) ? cipher.open(Buffer.from(stored.slice(SEALED_TEXT.length), 'base64'), context) : stored;
}

export const isSealedText = (stored: string): boolean => stored.startsWith(SEALED_TEXT);

/** Where the data key comes from: the OS keychain under Electron, a 0600 file in host mode. */
export interface KeyProvider {
  loadOrCreateKey(): Buffer;
}

/**
 * Host mode: the key lives in a file only the owner can read. A file readable by others is refused
 * rather than silently fixed, because someone may already have copied it.
 */
export class KeyFileProvider implements KeyProvider {
  constructor(private readonly file: string) {}

  loadOrCreateKey(): Buffer {
    if (!existsSync(this.file)) {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      const key = randomBytes(32);
      writeFileSync(this.file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
      chmodSync(this.file, 0o600);
      return key;
    }
    const mode = exposedMode(this.file);
    if (mode !== null) {
      throw new AppError('KEY_FILE_EXPOSED', `鍵ファイルを他の利用者が読める状態です（${mode.toString(8)}）。管理者に連絡してください。`);
    }
    const key = Buffer.from(readFileSync(this.file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new AppError('KEY_FILE_CORRUPT', '鍵ファイルが壊れています。管理者に連絡してください。');
    return key;
  }
}

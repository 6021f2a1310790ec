// Under Electron the data key is sealed by the OS keychain (safeStorage) and only the sealed form
// touches the disk.
import { safeStorage } from 'electron';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KeyProvider } from './core/crypto';
import type { TlsKeyVault } from './core/hub-transport';
import { AppError } from './core/errors';

/** The OS keychain must be there, and not Linux's fixed-password fallback: refuse rather than pretend. */
function requireKeychain(): void {
  if (!safeStorage.isEncryptionAvailable()) {
    throw new AppError('KEYCHAIN_UNAVAILABLE', 'OSの鍵保管庫が使えないため、個人情報を安全に保存できません。管理者に連絡してください。');
  }
  if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') {
    throw new AppError('KEYCHAIN_WEAK', 'OSの鍵保管庫 (gnome-keyring / kwallet) が動いていません。管理者に連絡してください。');
  }
}

/** The vehicle's TLS private key, sealed by the OS keychain like the data key. */
export class SafeStorageTlsKeyVault implements TlsKeyVault {
  constructor(private readonly file: string) {}

  load(): string | null {
    requireKeychain();
    return existsSync(this.file) ? safeStorage.decryptString(readFileSync(this.file)) : null;
  }

  store(pem: string): void {
    requireKeychain();
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    writeFileSync(this.file, safeStorage.encryptString(pem), { mode: 0o600 });
  }
}

export class SafeStorageKeyProvider implements KeyProvider {
  constructor(private readonly file: string) {}

  loadOrCreateKey(): Buffer {
    requireKeychain();
    if (existsSync(this.file)) return Buffer.from(safeStorage.decryptString(readFileSync(this.file)), 'base64');
    const key = randomBytes(32);
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    writeFileSync(this.file, safeStorage.encryptString(key.toString('base64')), { mode: 0o600, flag: 'wx' });
    return key;
  }
}

// The vehicle's TLS private key is its identity at city hall. With a vault (the OS keychain under
// Electron) it is sealed on first use and its plain file leaves the enrollment folder; without one (host
// mode) a key file that others can read is refused.
import { chmodSync, cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnrollment, type TlsKeyVault } from '../../electron/core/hub-transport';
import { enrollVehicle, initHub } from '../../hub/server/data-dir';
import { tempDir } from '../support/fixtures';

let tmp: ReturnType<typeof tempDir>;
let enrollment: string;

beforeAll(async () => {
  tmp = tempDir();
  await initHub({ dataDir: join(tmp.dir, 'hub'), adminId: 'admin', adminPassword: 'a-long-enough-admin-password' });
  enrollment = (await enrollVehicle({ dataDir: join(tmp.dir, 'hub'), vehicleId: 'car-key', outDir: join(tmp.dir, 'enrollment'), hubUrl: 'https://127.0.0.1:1' })).dir;
});
afterAll(() => tmp?.remove());

class MemoryVault implements TlsKeyVault {
  sealed: string | null = null;
  load() {
    return this.sealed;
  }
  store(pem: string) {
    this.sealed = pem;
  }
}

describe('the vehicle TLS key', () => {
  it('is sealed into the vault on first use and removed from the enrollment folder', () => {
    const dir = join(tmp.dir, 'copy-1');
    cpSync(enrollment, dir, { recursive: true });
    const keyFile = join(dir, 'vehicle.key');
    const plain = readFileSync(keyFile, 'utf8');
    const vault = new MemoryVault();
    const first = loadEnrollment(dir, undefined, vault);
    expect(first.key).toBe(plain);
    expect(vault.sealed).toBe(plain);
    expect(existsSync(keyFile)).toBe(false);
    // Next start: from the vault alone.
    expect(loadEnrollment(dir, undefined, vault).key).toBe(plain);
    // A copy of the folder without the vault identifies nobody.
    expect(() => loadEnrollment(dir, undefined, new MemoryVault())).toThrow(/車両の鍵が見つかりません/);
  });

  it('in host mode, is read only from a file its owner alone can read', () => {
    const dir = join(tmp.dir, 'copy-2');
    cpSync(enrollment, dir, { recursive: true });
    const keyFile = join(dir, 'vehicle.key');
    expect(loadEnrollment(dir).key).toContain('PRIVATE KEY');
    chmodSync(keyFile, 0o644);
    expect(() => loadEnrollment(dir)).toThrow(/他の利用者が読める状態です（644）/);
  });
});

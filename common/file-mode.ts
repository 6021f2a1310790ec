// Files only their owner may read: the data key, the vehicle's TLS key, the databases.
import { statSync } from 'node:fs';

/**
 * The file's permission bits (e.g. 0o644) when its group or others may reach it, or null when only its
 * owner can. Always null on Windows, which keeps access in ACLs, not in these bits.
 */
export function exposedMode(file: string): number | null {
  if (process.platform === 'win32') return null;
  const mode = statSync(file).mode & 0o777;
  return (mode & 0o077) !== 0 ? mode : null;
}

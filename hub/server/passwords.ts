// Operator passwords: scrypt with a per-password salt at the cost common/secret-hash.ts sets; a hash
// stored at a lower cost is replaced at the operator's next successful sign-in.
import { randomBytes } from 'node:crypto';
import { hashSecret, needsRehash, verifySecret } from '../../common/secret-hash';

export const hashPassword = (password: string): Promise<string> => hashSecret(password);
export const verifyPassword = (password: string, stored: string): Promise<boolean> => verifySecret(password, stored);
export { needsRehash };

/** A password for the first admin, shown once: 18 characters from a 64-symbol alphabet (108 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url').slice(0, 18);
}

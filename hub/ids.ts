// The hub's one id generator: random, URL-safe, sortable by creation time (ms timestamp prefix).
import { randomBytes } from 'node:crypto';

export type IdGenerator = () => string;

export const newId: IdGenerator = () => `${Date.now().toString(36).padStart(9, '0')}${randomBytes(10).toString('base64url')}`;

// The one id generator of the terminal core and the hub: random, URL-safe, sortable by creation time
// (a millisecond timestamp prefix). Its output matches protocol's EntityId (8–64 of [A-Za-z0-9_-]).
import { randomBytes } from 'node:crypto';

export type IdGenerator = () => string;

export const newId: IdGenerator = () => `${Date.now().toString(36).padStart(9, '0')}${randomBytes(10).toString('base64url')}`;

// Anchors of the audit chains. The hub signs checkpoints of its own chain with a key outside the
// database, and records the head of each vehicle's chain that comes with every delivery. Someone who
// can write the database can edit a record and recompute every hash after it — the chain alone still
// verifies — but not sign the new hashes: the checkpoints then disagree with the chain, which the hub's
// start and `odekake hub audit verify` report. A vehicle's chain rewritten the same way disagrees with
// the heads the hub recorded from it (`odekake audit verify --anchors`).
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../clock';
import type { AuditCheckpointRow, HubStore } from '../store/types';

export const CHECKPOINT_EVERY_MS = 5 * 60_000;

export function checkpointSigningInput(c: Pick<AuditCheckpointRow, 'seq' | 'hash' | 'at'>): string {
  return ['odekake-audit-checkpoint-v1', String(c.seq), c.hash, c.at].join('\n');
}

/** The hub's audit-signing key pair (pki/audit-signing.key, 0600), made on first use. */
export function ensureAuditSigningKey(privateFile: string, publicFile: string): { privateKey: KeyObject; publicKey: KeyObject } {
  if (!existsSync(privateFile)) {
    mkdirSync(dirname(privateFile), { recursive: true, mode: 0o700 });
    const pair = generateKeyPairSync('ed25519');
    try {
      writeFileSync(privateFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
      writeFileSync(publicFile, pair.publicKey.export({ type: 'spki', format: 'pem' }));
    } catch (e) {
      // Another hub process on the same data folder made it first: use theirs.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const privateKey = createPrivateKey(readFileSync(privateFile, 'utf8'));
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** Signs the chain's head when it moved since the last checkpoint; returns the new checkpoint, if any. */
export async function checkpointAudit(store: HubStore, privateKey: KeyObject, clock: Clock): Promise<AuditCheckpointRow | null> {
  return store.transaction(async (tx) => {
    const head = await tx.latestAudit();
    if (!head) return null;
    const last = await tx.latestAuditCheckpoint();
    if (last && last.seq >= head.seq) return null;
    const unsigned = { seq: head.seq, hash: head.hash, at: clock.now().toISOString() };
    const checkpoint = { ...unsigned, signature: sign(null, Buffer.from(checkpointSigningInput(unsigned)), privateKey).toString('base64') };
    await tx.insertAuditCheckpoint(checkpoint);
    return checkpoint;
  });
}

export type AnchoredVerdict =
  | { ok: true; rows: number; checkpoints: number }
  | { ok: false; rows: number; checkpoints: number; brokenAt: number; why: string };

/** The chain verified link by link, then each checkpoint: its signature, and the chain's hash at its sequence. */
export async function verifyAuditAnchors(store: HubStore, publicKey: KeyObject): Promise<AnchoredVerdict> {
  return store.transaction(async (tx) => {
    const chain = await tx.verifyAudit();
    const checkpoints = await tx.listAuditCheckpoints();
    if (!chain.ok) return { ok: false, rows: chain.rows, checkpoints: checkpoints.length, brokenAt: chain.brokenAt, why: chain.why };
    for (const c of checkpoints) {
      if (!verify(null, Buffer.from(checkpointSigningInput(c)), publicKey, Buffer.from(c.signature, 'base64'))) {
        return { ok: false, rows: chain.rows, checkpoints: checkpoints.length, brokenAt: c.seq, why: '署名済みチェックポイントの署名が合いません' };
      }
      const hash = await tx.auditHashAt(c.seq);
      if (hash !== c.hash) return { ok: false, rows: chain.rows, checkpoints: checkpoints.length, brokenAt: c.seq, why: hash === null ? '署名済みチェックポイントの記録がありません' : '署名済みチェックポイントと鎖が合いません' };
    }
    return { ok: true, rows: chain.rows, checkpoints: checkpoints.length };
  });
}

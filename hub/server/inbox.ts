// Reading a vehicle's inbox, for every path that hands its rows out.
import { HubMessageBody } from '../../protocol/hub';
import type { HubTx } from '../store/types';
import { printJobContext, type HubSealer } from './sealing';

/** A message as the inbox stores it: a print job's PDF sealed with the hub's data key. */
export function sealedInboxBody(sealer: HubSealer, vehicleId: string, body: HubMessageBody): string {
  if (body.type !== 'print_job') return JSON.stringify(body);
  return JSON.stringify({ ...body, pdfBase64: sealer.sealBase64(printJobContext(vehicleId, body.jobId), body.pdfBase64) });
}

/** A stored inbox row as the vehicle gets it: a sealed print job's PDF opened (rows stored unsealed read as they are). */
function openInboxBody(sealer: HubSealer, vehicleId: string, raw: string): HubMessageBody {
  const body = HubMessageBody.parse(JSON.parse(raw));
  if (body.type !== 'print_job') return body;
  return { ...body, pdfBase64: sealer.openBase64(printJobContext(vehicleId, body.jobId), body.pdfBase64) };
}

/**
 * The one way the hub reads a vehicle's inbox for it (HTTPS, the socket's backlog, pushes): only what the
 * vehicle has not acknowledged, whatever `after` it names — a stolen enrollment folder cannot read back
 * the certificates the vehicle already holds — and every read that hands out a print job is audited.
 */
export async function readInbox(tx: HubTx, sealer: HubSealer, vehicleId: string, after: number, limit: number, via: 'https' | 'socket' | 'push', at: string): Promise<{ seq: number; body: HubMessageBody }[]> {
  const acked = (await tx.getVehicle(vehicleId))?.inboxAckedSeq ?? 0;
  const rows = await tx.listInbox(vehicleId, Math.max(after, acked), limit);
  const messages = rows.map((r) => ({ seq: r.seq, body: openInboxBody(sealer, vehicleId, r.body) }));
  for (const m of messages) {
    if (m.body.type === 'print_job') {
      await tx.appendAudit({ actor: vehicleId, action: 'inbox.print_job_read', requestId: m.body.requestId, place: vehicleId, detail: { jobId: m.body.jobId, seq: m.seq, via } }, at);
    }
  }
  return messages;
}


// What the hub keeps for a vehicle and hands out again: the inbox serves only what the vehicle has not
// acknowledged — whatever sequence number is asked for, over HTTPS or the socket — so a stolen
// enrollment folder cannot read back the certificates the vehicle already holds; a print job's PDF
// leaves the inbox once acknowledged; every read that hands out a print job is audited; and once the
// certificate is handed over (no reprint is possible any more) the hub keeps its serial and hash, not
// the PDF.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approverCredentials, eventMessage, operatorClient, startTestHub, submitMessage, vehicleClient, type TestHub, type VehicleTls } from '../support/hub';

let t: TestHub;
let car: VehicleTls;

beforeAll(async () => {
  t = await startTestHub();
  car = await t.enroll('car-inbox');
});
afterAll(async () => {
  await t.stop();
});

async function approve(requestId: string): Promise<string> {
  const op = operatorClient(t.hub.url, t.hub.caCert);
  expect((await op.signIn(approverCredentials.operatorId, approverCredentials.password)).status).toBe(200);
  const res = await op.call('POST', `/api/v1/console/requests/${requestId}/approve`, {});
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as { jobId: string }).jobId;
}

const reads = () => t.hub.store.transaction((tx) => tx.listAudit({ action: 'inbox.print_job_read' }));

describe('the vehicle inbox after acknowledgement', () => {
  it('serves a print job until it is acknowledged, audits each read, then never again and without its PDF', async () => {
    const c = vehicleClient(t.hub.url, car);
    const m = submitMessage();
    await c.deliver([m]);
    const jobId = await approve(m.requestId);

    const first = await c.inbox(0);
    const bodies = first.body.messages.map((e: { seq: number; body: { type: string; jobId?: string; pdfBase64?: string } }) => ({ seq: e.seq, ...e.body }));
    const job = bodies.find((b: { type: string }) => b.type === 'print_job')!;
    expect(job.jobId).toBe(jobId);
    expect(Buffer.from(job.pdfBase64!, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    const audited = await reads();
    expect(audited.at(-1)).toMatchObject({ actor: 'car-inbox', requestId: m.requestId });
    expect(JSON.parse(audited.at(-1)!.detail)).toMatchObject({ jobId, via: 'https' });

    // The socket's backlog from 0 hands it out too (before the acknowledgement), and is audited.
    const s = await c.socket(0);
    const frames = await s.next(bodies.length);
    expect(frames.map((f) => f.body.type)).toContain('print_job');
    s.ws.close();
    expect((await reads()).length).toBe(audited.length + 1);
    expect(JSON.parse((await reads()).at(-1)!.detail)).toMatchObject({ via: 'socket' });

    // Acknowledged: nothing before it is served again, however the vehicle (or a thief) asks.
    const latest = first.body.latestSeq as number;
    expect((await c.ack(latest)).status).toBe(200);
    const again = await c.inbox(0);
    expect(again.status).toBe(200);
    expect(again.body.messages).toEqual([]);
    // The socket from 0: its first frame is the next new message, nothing acknowledged before it.
    const replay = await c.socket(0);
    const next = submitMessage();
    await c.deliver([next]);
    const op = operatorClient(t.hub.url, t.hub.caCert);
    await op.signIn(approverCredentials.operatorId, approverCredentials.password);
    expect((await op.call('POST', `/api/v1/console/requests/${next.requestId}/reject`, { reason: '窓口でご案内します' })).status).toBe(200);
    const [firstFrame] = await replay.next(1);
    expect(firstFrame).toMatchObject({ seq: latest + 1, body: { type: 'decision', requestId: next.requestId } });
    replay.ws.close();
    expect((await reads()).length).toBe(audited.length + 1);

    // The inbox row keeps the job's facts, not the certificate.
    const row = (await t.hub.store.transaction((tx) => tx.listInbox('car-inbox', 0, 100))).find((r) => r.type === 'print_job')!;
    const stored = JSON.parse(row.body) as { jobId: string; pdfBase64: string; sha256: string };
    expect(stored).toMatchObject({ jobId, pdfBase64: '' });
    expect(stored.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps the serial and hash of a handed-over certificate, not its PDF (bulk and one-by-one paths)', async () => {
    const c = vehicleClient(t.hub.url, car);
    const documents = async (requestId: string) => {
      const doc = await t.hub.store.transaction((tx) => tx.getDocumentForRequest(requestId));
      return { pdfBytes: doc!.pdf.length, serial: doc!.serial, sha256: doc!.sha256 };
    };
    for (const together of [true, false]) {
      const m = submitMessage();
      await c.deliver([m]);
      await approve(m.requestId);
      expect((await documents(m.requestId)).pdfBytes).toBeGreaterThan(500);
      const steps = ['PRINTED', 'CHECK_OK', 'PAID', 'HANDED_OVER'].map((e) => eventMessage(m.requestId, e));
      if (together) expect((await c.deliver(steps)).status).toBe(200);
      else for (const step of steps) expect((await c.deliver([step])).status).toBe(200);
      const after = await documents(m.requestId);
      expect(after.pdfBytes).toBe(0);
      expect(after.serial).toMatch(/^T[0-9A-F]{10}$/);
      expect(after.sha256).toMatch(/^[0-9a-f]{64}$/);
      const dropped = await t.hub.store.transaction((tx) => tx.listAudit({ requestId: m.requestId, action: 'document.pdf_dropped' }));
      expect(dropped).toHaveLength(1);
    }
  });
});

import { verify } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DELIVER_BATCH_MAX_MESSAGES, printJobSigningInput } from '../../protocol/hub';
import { issueClientCertificate, createCertificateAuthority } from '../../hub/pki/openssl';
import { hubPaths, revokeVehicle } from '../../hub/server';
import { tempDir } from '../support/fixtures';
import { eventMessage, operatorClient, approverCredentials, startTestHub, submitMessage, vehicleClient, type TestHub, type VehicleTls } from '../support/hub';

let t: TestHub;
let v1: VehicleTls;
let v2: VehicleTls;
const scratch = tempDir('odekake-foreign-');

beforeAll(async () => {
  t = await startTestHub();
  v1 = await t.enroll('car-1');
  v2 = await t.enroll('car-2');
});
afterAll(async () => {
  await t.stop();
  scratch.remove();
});

async function audit(action: string) {
  return t.hub.store.transaction((tx) => tx.listAudit({ action }));
}

async function approveAs(requestId: string) {
  const op = operatorClient(t.hub.url, t.hub.caCert);
  expect((await op.signIn(approverCredentials.operatorId, approverCredentials.password)).status).toBe(200);
  const res = await op.call('POST', `/api/v1/console/requests/${requestId}/approve`, {});
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { jobId: string; serial: string };
}

describe('mutual TLS', () => {
  it('refuses a caller without a client certificate with UNKNOWN_VEHICLE and audits it', async () => {
    const before = (await audit('vehicle.refused')).length;
    const res = await vehicleClient(t.hub.url, { cert: undefined as never, key: undefined as never, ca: v1.ca }).deliver([submitMessage()]);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNKNOWN_VEHICLE');
    expect(res.body.message).toMatch(/登録されていません/);
    const rows = await audit('vehicle.refused');
    expect(rows.length).toBe(before + 1);
    expect(JSON.parse(rows.at(-1)!.detail)).toMatchObject({ code: 'UNKNOWN_VEHICLE', why: 'no_certificate' });
  });

  it('refuses a certificate from another authority, even with a known vehicle id', async () => {
    const ca = { keyFile: join(scratch.dir, 'ca.key'), certFile: join(scratch.dir, 'ca.crt') };
    createCertificateAuthority(ca.keyFile, ca.certFile, 'Not the hub');
    const foreign = issueClientCertificate(ca, 'car-1');
    const res = await vehicleClient(t.hub.url, { cert: foreign.certPem, key: foreign.keyPem, ca: v1.ca }).inbox(0);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNKNOWN_VEHICLE');
    const refused = (await audit('vehicle.refused')).at(-1)!;
    expect(JSON.parse(refused.detail)).toMatchObject({ why: 'not_issued_by_hub', presentedName: 'car-1' });
    // The name a stranger's certificate presents is not taken as who acted.
    expect(refused.actor).toBe('unknown');
  });

  it('refuses a certificate the hub issued but never enrolled', async () => {
    const p = hubPaths(t.dataDir);
    const stray = issueClientCertificate({ keyFile: p.caKey, certFile: p.caCert }, 'car-9');
    const res = await vehicleClient(t.hub.url, { cert: stray.certPem, key: stray.keyPem, ca: v1.ca }).inbox(0);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNKNOWN_VEHICLE');
  });

  it('refuses a revoked vehicle with REVOKED_VEHICLE on HTTPS and on the WebSocket, and audits it', async () => {
    const v3 = await t.enroll('car-3');
    const c = vehicleClient(t.hub.url, v3);
    expect((await c.inbox(0)).status).toBe(200);
    await revokeVehicle({ dataDir: t.dataDir, vehicleId: 'car-3', actor: 'admin' });
    const res = await c.deliver([submitMessage()]);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'REVOKED_VEHICLE' });
    await expect(c.socket(0)).rejects.toThrow(/403/);
    const rows = await audit('vehicle.refused');
    expect(rows.filter((r) => r.actor === 'car-3').length).toBeGreaterThanOrEqual(2);
    expect((await audit('vehicle.revoke')).at(-1)!.detail).toContain('car-3');
  });
});

describe('delivery', () => {
  it('applies the same message once and answers a duplicate the same way', async () => {
    const c = vehicleClient(t.hub.url, v1);
    const m = submitMessage();
    const first = await c.deliver([m]);
    expect(first.status).toBe(200);
    expect(first.body.results).toEqual([{ idempotencyKey: m.idempotencyKey, status: 'applied' }]);
    const again = await c.deliver([m, m]);
    expect(again.body.results).toEqual([
      { idempotencyKey: m.idempotencyKey, status: 'duplicate' },
      { idempotencyKey: m.idempotencyKey, status: 'duplicate' },
    ]);
    const rows = await t.hub.store.transaction((tx) => tx.listAudit({ requestId: m.requestId }));
    expect(rows.filter((r) => r.action === 'request.relayed')).toHaveLength(1);
  });

  it('keeps going past a malformed or unknown message in the middle of a batch and keeps it aside', async () => {
    const c = vehicleClient(t.hub.url, v1);
    const a = submitMessage();
    const b = submitMessage();
    const broken = { ...submitMessage(), input: { kind: 'juminhyo', copies: 99 } };
    const unknown = { type: 'request.teleport', idempotencyKey: 'key-unknown-0001' };
    const res = await c.deliver([a, broken, 'not even an object', unknown, b]);
    expect(res.status).toBe(200);
    const r = res.body.results;
    expect(r.map((x: { status: string }) => x.status)).toEqual(['applied', 'rejected', 'rejected', 'rejected', 'applied']);
    expect(r[1]).toMatchObject({ code: 'MALFORMED_MESSAGE', idempotencyKey: broken.idempotencyKey });
    expect(r[1].message).toMatch(/形式/);
    expect(r[2]).toMatchObject({ code: 'UNKNOWN_MESSAGE_TYPE', idempotencyKey: '' });
    expect(r[3]).toMatchObject({ code: 'UNKNOWN_MESSAGE_TYPE' });
    const dead = await t.hub.store.transaction((tx) => tx.listDeadLetters(10));
    expect(dead.slice(0, 3).map((d) => d.code).sort()).toEqual(['MALFORMED_MESSAGE', 'UNKNOWN_MESSAGE_TYPE', 'UNKNOWN_MESSAGE_TYPE']);
    // Problems name fields, never values.
    expect(dead.find((d) => d.code === 'MALFORMED_MESSAGE')!.problem).not.toContain('磐城');
  });

  it('undoes only the message refused while applying, among good ones in the same batch, and sets it aside once', async () => {
    const c = vehicleClient(t.hub.url, v1);
    const a = submitMessage();
    const b = submitMessage();
    // Well-formed, so it passes validation, but PAID is not possible before approval: refused while applying.
    const paid = eventMessage(a.requestId, 'PAID', `key-mixed-paid-${a.requestId}`);
    const cancel = eventMessage(b.requestId, 'CANCELLED');
    const deadBefore = (await t.hub.store.transaction((tx) => tx.listDeadLetters(1000))).length;
    const res = await c.deliver([a, paid, b, cancel]);
    expect(res.status).toBe(200);
    expect(res.body.results.map((x: { status: string }) => x.status)).toEqual(['applied', 'rejected', 'applied', 'applied']);
    expect(res.body.results[1]).toMatchObject({ idempotencyKey: paid.idempotencyKey, code: 'ILLEGAL_EVENT' });

    const [ra, rb] = await t.hub.store.transaction(async (tx) => [await tx.getRequest(a.requestId), await tx.getRequest(b.requestId)]);
    expect(ra!.step).toBe('relayed');
    expect(rb!.step).toBe('cancelled');
    const events = await t.hub.store.transaction((tx) => tx.listRequestEvents([a.requestId, b.requestId]));
    expect(events.map((e) => `${e.requestId === a.requestId ? 'a' : 'b'}:${e.event}`).sort()).toEqual(['a:RELAYED', 'b:CANCELLED', 'b:RELAYED']);
    const dead = await t.hub.store.transaction((tx) => tx.listDeadLetters(1000));
    expect(dead.length).toBe(deadBefore + 1);
    expect(dead.filter((d) => d.idempotencyKey === paid.idempotencyKey).map((d) => d.code)).toEqual(['ILLEGAL_EVENT']);
    for (const id of [a.requestId, b.requestId]) {
      const rows = await t.hub.store.transaction((tx) => tx.listAudit({ requestId: id }));
      expect(rows.filter((r) => r.action === 'request.relayed')).toHaveLength(1);
    }
    expect(await t.hub.store.transaction((tx) => tx.verifyAudit())).toMatchObject({ ok: true });

    // Sent again (an answer lost on the way): the applied ones are duplicates, the refused one is refused again.
    const again = await c.deliver([a, paid, b, cancel]);
    expect(again.body.results.map((x: { status: string }) => x.status)).toEqual(['duplicate', 'rejected', 'duplicate', 'duplicate']);
  });

  it('takes a batch of the contract’s largest size and refuses one message more as a malformed batch', async () => {
    const c = vehicleClient(t.hub.url, v1);
    const full = Array.from({ length: DELIVER_BATCH_MAX_MESSAGES }, () => submitMessage());
    const res = await c.deliver(full);
    expect(res.status).toBe(200);
    expect(res.body.results.map((x: { idempotencyKey: string; status: string }) => `${x.idempotencyKey}:${x.status}`)).toEqual(full.map((m) => `${m.idempotencyKey}:applied`));
    const over = await c.deliver([...Array.from({ length: DELIVER_BATCH_MAX_MESSAGES }, () => submitMessage()), submitMessage()]);
    expect(over.status).toBe(400);
    expect(over.body.code).toBe('MALFORMED_BATCH');
  });

  it('tells the consoles once per kind of change for a large batch, and per request for a small one', async () => {
    const op = operatorClient(t.hub.url, t.hub.caCert);
    expect((await op.signIn(approverCredentials.operatorId, approverCredentials.password)).status).toBe(200);
    const ws = new WebSocket(`${t.hub.url.replace('https', 'wss')}/api/v1/console/ws`, { ca: t.hub.caCert, headers: { cookie: op.cookie, origin: t.hub.url } });
    const frames: { type: string; requestId?: string }[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d))));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    try {
      const c = vehicleClient(t.hub.url, v1);
      expect((await c.deliver(Array.from({ length: 25 }, () => submitMessage()))).status).toBe(200);
      const single = submitMessage();
      expect((await c.deliver([single])).status).toBe(200);
      const deadline = Date.now() + 5_000;
      while (!frames.some((f) => f.requestId === single.requestId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(frames.filter((f) => f.type === 'request.relayed')).toEqual([{ type: 'request.relayed' }, { type: 'request.relayed', requestId: single.requestId }]);
    } finally {
      ws.close();
    }
  });

  it('rejects events out of order without losing the ones that are in order, and ignores late duplicates', async () => {
    const c = vehicleClient(t.hub.url, v1);
    const m = submitMessage();
    // An event before its request reached the hub: rejected (the vehicle sends in order, so this is a fault).
    const early = await c.deliver([eventMessage(m.requestId, 'PRINTED', 'key-early-printed-1')]);
    expect(early.body.results[0]).toMatchObject({ status: 'rejected', code: 'UNKNOWN_REQUEST' });
    expect((await c.deliver([m])).body.results[0].status).toBe('applied');
    // PAID before approval and printing: not possible in this step.
    const paid = await c.deliver([eventMessage(m.requestId, 'PAID')]);
    expect(paid.body.results[0]).toMatchObject({ status: 'rejected', code: 'ILLEGAL_EVENT' });

    await approveAs(m.requestId);
    const steps = ['PRINTED', 'CHECK_OK', 'PAID', 'HANDED_OVER'].map((e) => eventMessage(m.requestId, e));
    const res = await c.deliver(steps);
    expect(res.body.results.map((x: { status: string }) => x.status)).toEqual(['applied', 'applied', 'applied', 'applied']);
    // Late duplicates of the submit and of PRINTED after handover change nothing.
    const late = await c.deliver([m, steps[0]]);
    expect(late.body.results.map((x: { status: string }) => x.status)).toEqual(['duplicate', 'duplicate']);
    const row = await t.hub.store.transaction((tx) => tx.getRequest(m.requestId));
    expect(row!.step).toBe('handed_over');
  });

  it('does not let one vehicle touch another vehicle’s request', async () => {
    const m = submitMessage();
    expect((await vehicleClient(t.hub.url, v1).deliver([m])).body.results[0].status).toBe('applied');
    const other = vehicleClient(t.hub.url, v2);
    const res = await other.deliver([eventMessage(m.requestId, 'CANCELLED'), { ...m, idempotencyKey: 'key-steal-000001' }]);
    expect(res.body.results[0]).toMatchObject({ status: 'rejected', code: 'UNKNOWN_REQUEST' });
    expect(res.body.results[1]).toMatchObject({ status: 'rejected', code: 'REQUEST_ID_CONFLICT' });
    expect((await t.hub.store.transaction((tx) => tx.getRequest(m.requestId)))!.step).toBe('relayed');
  });

  it('answers a malformed batch, bad JSON and wrong content type with a 4xx and a code', async () => {
    const tls = { cert: v1.cert, key: v1.key, ca: v1.ca };
    const { httpsCall } = await import('../support/hub');
    const url = `${t.hub.url}/api/v1/vehicle/messages`;
    expect((await httpsCall(url, { body: { messages: [] }, tls })).body.code).toBe('MALFORMED_BATCH');
    expect((await httpsCall(url, { rawBody: '{"messages": [', tls })).body.code).toBe('MALFORMED_JSON');
    const text = await httpsCall(url, { rawBody: 'hello', headers: { 'content-type': 'text/plain' }, tls });
    expect(text.status).toBe(415);
    const huge = await httpsCall(url, { rawBody: JSON.stringify({ messages: ['x'.repeat(3 * 1024 * 1024)] }), tls });
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('inbox', () => {
  it('returns everything a vehicle missed while offline, in order, and pushes live over the WebSocket', async () => {
    const v = await t.enroll('car-offline');
    const c = vehicleClient(t.hub.url, v);
    const reqs = [submitMessage(), submitMessage(), submitMessage()];
    await c.deliver(reqs);
    const op = operatorClient(t.hub.url, t.hub.caCert);
    await op.signIn(approverCredentials.operatorId, approverCredentials.password);
    await approveAs(reqs[0]!.requestId);
    expect((await op.call('POST', `/api/v1/console/requests/${reqs[1]!.requestId}/reject`, { reason: '請求者の確認が必要です' })).status).toBe(200);
    expect((await op.call('POST', `/api/v1/console/requests/${reqs[2]!.requestId}/questions`, { text: '委任状の日付を確認してください' })).status).toBe(200);

    const pulled = await c.inbox(0);
    expect(pulled.status).toBe(200);
    expect(pulled.body.latestSeq).toBe(4);
    expect(pulled.body.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(pulled.body.messages.map((m: { body: { type: string } }) => m.body.type)).toEqual(['decision', 'print_job', 'decision', 'question']);
    expect(pulled.body.messages[2].body).toMatchObject({ decision: 'rejected', reason: '請求者の確認が必要です' });
    const page = await c.inbox(2, 1);
    expect(page.body.messages.map((m: { seq: number }) => m.seq)).toEqual([3]);

    expect((await c.ack(2)).body).toEqual({ ackedSeq: 2 });
    expect((await c.ack(99)).body.code).toBe('ACK_AHEAD');
    // A reconnecting socket replays after its cursor, then receives live pushes.
    const s = await c.socket(2);
    const replay = await s.next(2);
    expect(replay.map((f) => f.seq)).toEqual([3, 4]);
    const live = submitMessage();
    await c.deliver([live]);
    await op.call('POST', `/api/v1/console/requests/${live.requestId}/reject`, { reason: '別の窓口へご案内' });
    const frames = await s.next(3);
    expect(frames[2]).toMatchObject({ seq: 5, body: { type: 'decision', requestId: live.requestId, decision: 'rejected' } });
    s.ws.close();
  });

  it('signs each print job so the key from enrollment verifies it, and a changed job does not verify', async () => {
    const c = vehicleClient(t.hub.url, v2);
    const m = submitMessage();
    await c.deliver([m]);
    const { jobId } = await approveAs(m.requestId);
    const inbox = await c.inbox(0);
    const job = inbox.body.messages.map((e: { body: any }) => e.body).find((b: any) => b.type === 'print_job' && b.jobId === jobId);
    expect(job).toBeDefined();
    const pdf = Buffer.from(job.pdfBase64, 'base64');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(pdf).digest('hex')).toBe(job.sha256);
    const ok = verify(null, Buffer.from(printJobSigningInput(job, 'car-2')), v2.printSigningPublicKey, Buffer.from(job.signature, 'base64'));
    expect(ok).toBe(true);
    const tampered = verify(null, Buffer.from(printJobSigningInput({ ...job, copies: job.copies + 1 }, 'car-2')), v2.printSigningPublicKey, Buffer.from(job.signature, 'base64'));
    expect(tampered).toBe(false);
    // The signature names the vehicle and the job it reprints: the same job does not verify for another
    // vehicle, nor as a reprint.
    const elsewhere = verify(null, Buffer.from(printJobSigningInput(job, 'car-1')), v2.printSigningPublicKey, Buffer.from(job.signature, 'base64'));
    expect(elsewhere).toBe(false);
    const asReprint = verify(null, Buffer.from(printJobSigningInput({ ...job, reprintOf: 'job-0' }, 'car-2')), v2.printSigningPublicKey, Buffer.from(job.signature, 'base64'));
    expect(asReprint).toBe(false);
    // The other vehicle never sees it.
    const otherInbox = await vehicleClient(t.hub.url, v1).inbox(0);
    expect(JSON.stringify(otherInbox.body)).not.toContain(jobId);
  });

  it('sends a reprint only after an operator approves it, as a new job for the same document', async () => {
    const c = vehicleClient(t.hub.url, v2);
    const m = submitMessage();
    await c.deliver([m]);
    const { jobId } = await approveAs(m.requestId);
    await c.deliver([eventMessage(m.requestId, 'PRINTED'), eventMessage(m.requestId, 'CHECK_SPOILED')]);
    const before = (await c.inbox(0)).body.latestSeq;
    const reprint = { type: 'print.reprint_request', idempotencyKey: `key-reprint-${m.requestId}`, reprintRequestId: `rp-${m.requestId}`, jobId, requestId: m.requestId, reason: '紙詰まりで汚れた', staffId: 'S0001', at: '2026-11-24T11:00:00+09:00' };
    expect((await c.deliver([reprint])).body.results[0].status).toBe('applied');
    expect((await c.inbox(0)).body.latestSeq).toBe(before);

    const op = operatorClient(t.hub.url, t.hub.caCert);
    await op.signIn(approverCredentials.operatorId, approverCredentials.password);
    const queue = await op.call('GET', '/api/v1/console/queue');
    expect(queue.body.reprints.map((r: { id: string }) => r.id)).toContain(reprint.reprintRequestId);
    const decided = await op.call('POST', `/api/v1/console/reprints/car-2/${reprint.reprintRequestId}/decision`, { approve: true });
    expect(decided.status).toBe(200);
    const after = (await c.inbox(before)).body.messages.map((e: { body: any }) => e.body);
    expect(after.map((b: { type: string }) => b.type)).toEqual(['reprint_decision', 'print_job']);
    expect(after[1]).toMatchObject({ reprintOf: jobId, requestId: m.requestId });
    const jobs = await t.hub.store.transaction((tx) => tx.listPrintJobs(m.requestId));
    expect(jobs).toHaveLength(2);
    expect(jobs[0]!.documentId).toBe(jobs[1]!.documentId);
    const again = await op.call('POST', `/api/v1/console/reprints/car-2/${reprint.reprintRequestId}/decision`, { approve: true });
    expect(again.status).toBe(409);
    expect((await t.hub.store.transaction((tx) => tx.getRequest(m.requestId)))!.step).toBe('approved');
  });
});

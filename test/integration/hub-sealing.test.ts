// The certificates the hub keeps for a while — an issued PDF in documents.pdf, a print job waiting in the
// vehicle's inbox — are sealed with the hub's data key, a file in the data folder and not in the database:
// the raw rows hold no PDF, the vehicle still gets exactly the PDF its signed job names (over HTTPS and
// the socket, and again for a reprint), rows stored in plaintext before sealing began are still served,
// and a data key group or others can read stops the hub's start.
import { createHash, randomBytes, verify } from 'node:crypto';
import { chmodSync, existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printJobSigningInput } from '../../protocol/hub';
import { hubPaths } from '../../hub/server/data-dir';
import { HubSealer } from '../../hub/server/sealing';
import type { KyselyHubStore } from '../../hub/store/store';
import { tempDir } from '../support/fixtures';
import { approverCredentials, eventMessage, operatorClient, startTestHub, submitMessage, vehicleClient, type TestHub, type VehicleTls } from '../support/hub';

let t: TestHub;
let car: VehicleTls;

beforeAll(async () => {
  t = await startTestHub();
  car = await t.enroll('car-seal');
});
afterAll(async () => {
  await t.stop();
});

const PDF_MAGIC = Buffer.from('%PDF');
const PDF_MAGIC_BASE64 = Buffer.from('%PDF-').toString('base64').slice(0, 6); // "JVBERi"

async function operator() {
  const op = operatorClient(t.hub.url, t.hub.caCert);
  expect((await op.signIn(approverCredentials.operatorId, approverCredentials.password)).status).toBe(200);
  return op;
}

async function approve(requestId: string): Promise<string> {
  const res = await (await operator()).call('POST', `/api/v1/console/requests/${requestId}/approve`, {});
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as { jobId: string }).jobId;
}

type Job = { type: 'print_job'; jobId: string; requestId: string; copies: number; sha256: string; issuedAt: string; reprintOf?: string; pdfBase64: string; signature: string };

/** The print job the vehicle is handed, checked as the vehicle checks it: the PDF's hash and the hub's signature. */
async function receivedJob(jobId: string, after = 0): Promise<{ job: Job; pdf: Buffer }> {
  const inbox = await vehicleClient(t.hub.url, car).inbox(after);
  expect(inbox.status).toBe(200);
  const job = (inbox.body.messages as { body: Job }[]).map((m) => m.body).find((b) => b.type === 'print_job' && b.jobId === jobId)!;
  expect(job).toBeDefined();
  const pdf = Buffer.from(job.pdfBase64, 'base64');
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  expect(createHash('sha256').update(pdf).digest('hex')).toBe(job.sha256);
  expect(verify(null, Buffer.from(printJobSigningInput(job, car.vehicleId)), car.printSigningPublicKey, Buffer.from(job.signature, 'base64'))).toBe(true);
  return { job, pdf };
}

async function rawDocument(requestId: string) {
  const doc = await t.hub.store.transaction((tx) => tx.getDocumentForRequest(requestId));
  return doc!;
}
async function rawInboxJob(jobId: string) {
  const rows = await t.hub.store.transaction((tx) => tx.listInbox(car.vehicleId, 0, 1000));
  return rows.find((r) => r.type === 'print_job' && (JSON.parse(r.body) as { jobId: string }).jobId === jobId)!;
}

/** The vehicle reports a spoiled sheet and asks for a reprint; an operator approves it. Returns the new job's id. */
async function reprint(requestId: string, jobId: string): Promise<{ newJobId: string; before: number }> {
  const c = vehicleClient(t.hub.url, car);
  expect((await c.deliver([eventMessage(requestId, 'PRINTED'), eventMessage(requestId, 'CHECK_SPOILED')])).status).toBe(200);
  const before = (await c.inbox(0)).body.latestSeq as number;
  const rr = { type: 'print.reprint_request', idempotencyKey: `key-reprint-${requestId}`, reprintRequestId: `rp-${requestId}`, jobId, requestId, reason: 'かすれ', staffId: 'S0001', at: '2026-11-24T11:00:00+09:00' };
  expect((await c.deliver([rr])).body.results[0].status).toBe('applied');
  const decided = await (await operator()).call('POST', `/api/v1/console/reprints/${car.vehicleId}/${rr.reprintRequestId}/decision`, { approve: true });
  expect(decided.status, JSON.stringify(decided.body)).toBe(200);
  return { newJobId: (decided.body as { newJobId: string }).newJobId, before };
}

describe('sealing the certificates the hub keeps', () => {
  it('stores an approved certificate sealed in documents.pdf and in the inbox, and hands the vehicle the PDF its job signs', async () => {
    const m = submitMessage();
    await vehicleClient(t.hub.url, car).deliver([m]);
    const jobId = await approve(m.requestId);
    const { job, pdf } = await receivedJob(jobId);
    // The certificate shows its serial: the raw rows show neither the PDF nor any part of it.
    const doc = await rawDocument(m.requestId);
    expect(doc.sha256).toBe(job.sha256);
    const storedPdf = Buffer.from(doc.pdf);
    expect(storedPdf.length).toBeGreaterThan(pdf.length);
    expect(storedPdf.subarray(0, 4).toString()).toBe('OSB1');
    expect(storedPdf.includes(PDF_MAGIC)).toBe(false);
    expect(storedPdf.includes(pdf.subarray(0, 64))).toBe(false);
    expect(storedPdf.includes(pdf.subarray(pdf.length - 64))).toBe(false);
    const row = await rawInboxJob(jobId);
    expect(row.body).not.toContain(PDF_MAGIC_BASE64);
    expect(row.body).not.toContain(job.pdfBase64.slice(0, 80));
    expect(row.body).not.toContain(job.pdfBase64.slice(-80));
    const stored = JSON.parse(row.body) as { pdfBase64: string; sha256: string; signature: string };
    expect(stored.pdfBase64.startsWith('sealed-v1:')).toBe(true);
    expect(stored).toMatchObject({ sha256: job.sha256, signature: job.signature });

    // The socket's backlog hands out the same opened PDF.
    const s = await vehicleClient(t.hub.url, car).socket(0);
    const frames = await s.next(row.seq);
    s.ws.close();
    const viaSocket = frames.map((f) => f.body as Job).find((b) => b.type === 'print_job' && b.jobId === jobId)!;
    expect(viaSocket.pdfBase64).toBe(job.pdfBase64);
  });

  it('reprints from the sealed document: the new job carries the same PDF, sealed again in the inbox', async () => {
    const m = submitMessage();
    await vehicleClient(t.hub.url, car).deliver([m]);
    const jobId = await approve(m.requestId);
    const { pdf } = await receivedJob(jobId);
    const { newJobId, before } = await reprint(m.requestId, jobId);
    const again = await receivedJob(newJobId, before);
    expect(again.job.reprintOf).toBe(jobId);
    expect(again.pdf.equals(pdf)).toBe(true);
    const row = await rawInboxJob(newJobId);
    expect(row.body).not.toContain(PDF_MAGIC_BASE64);
    expect((JSON.parse(row.body) as { pdfBase64: string }).pdfBase64.startsWith('sealed-v1:')).toBe(true);
  });

  it('still serves a print job and reprints a document stored in plaintext before sealing began', async () => {
    const m = submitMessage();
    await vehicleClient(t.hub.url, car).deliver([m]);
    const jobId = await approve(m.requestId);
    const { job, pdf } = await receivedJob(jobId);
    // Rows as a hub before sealing wrote them.
    const row = await rawInboxJob(jobId);
    await t.hub.store.transaction((tx) => tx.setInboxBody(car.vehicleId, row.seq, JSON.stringify(job)));
    const doc = await rawDocument(m.requestId);
    await (t.hub.store as KyselyHubStore).db.updateTable('documents').set({ pdf: Buffer.from(pdf) }).where('id', '=', doc.id).execute();
    expect(Buffer.from((await rawDocument(m.requestId)).pdf).subarray(0, 4).toString()).toBe('%PDF');

    const served = await receivedJob(jobId);
    expect(served.job.pdfBase64).toBe(job.pdfBase64);
    const { newJobId, before } = await reprint(m.requestId, jobId);
    const reprinted = await receivedJob(newJobId, before);
    expect(reprinted.pdf.equals(pdf)).toBe(true);
  });

  it('does not open a sealed blob under another row or with another key', () => {
    const key = randomBytes(32);
    const sealer = new HubSealer(key);
    const pdf = Buffer.from('%PDF-1.7 個人番号の入った証明書');
    const sealed = sealer.seal('document:doc-1', pdf);
    expect(sealer.open('document:doc-1', sealed).equals(pdf)).toBe(true);
    expect(() => sealer.open('document:doc-2', sealed)).toThrow(/データ鍵/);
    expect(() => new HubSealer(randomBytes(32)).open('document:doc-1', sealed)).toThrow(/データ鍵/);
    const flipped = Buffer.from(sealed);
    flipped[20] = flipped[20]! ^ 1;
    expect(() => sealer.open('document:doc-1', flipped)).toThrow(/データ鍵/);
    // Stored before sealing began: read as it is; a dropped PDF stays empty.
    expect(sealer.open('document:doc-1', pdf).equals(pdf)).toBe(true);
    expect(sealer.open('document:doc-1', Buffer.alloc(0)).length).toBe(0);
    expect(sealer.sealBase64('print_job:car:job', '')).toBe('');
    expect(sealer.openBase64('print_job:car:job', pdf.toString('base64'))).toBe(pdf.toString('base64'));
  });
});

describe('the hub data key', () => {
  it('is made 0600 by init and at the start of a hub set up before it, and a key group or others can read stops the start', async () => {
    const tmp = tempDir('odekake-hub-key-');
    try {
      const dataDir = join(tmp.dir, 'hub');
      const keyFile = hubPaths(dataDir).dataKey;
      const first = await startTestHub({ dataDir });
      await first.stop();
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);

      // A hub from before the data key: the start makes one.
      rmSync(keyFile);
      const second = await startTestHub({ dataDir });
      await second.stop();
      expect(existsSync(keyFile)).toBe(true);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);

      chmodSync(keyFile, 0o640);
      await expect(startTestHub({ dataDir })).rejects.toThrow(`ハブのデータ鍵のファイルをほかの利用者も読めます（${keyFile}、権限 640）。chmod 600 ${keyFile} を実行してから、もう一度起動してください。`);
      chmodSync(keyFile, 0o600);
      const third = await startTestHub({ dataDir });
      await third.stop();
    } finally {
      tmp.remove();
    }
  });
});

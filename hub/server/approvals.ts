// Step 4 at city hall: the queue operators work from, and their decisions. Approving renders the
// certificate, stores it, signs a print job for the vehicle that relayed the request and puts both the
// decision and the job in that vehicle's inbox, in one transaction; the push follows the commit.
import { createHash, sign, type KeyObject } from 'node:crypto';
import type { CertificatePreview, DayRow, DayView, QueueItem, QueueQuery, QueueView, RegistryMatchView, ReprintItem } from '../../protocol/console';
import type { CertificateKind } from '../../protocol/domain';
import { HubMessageBody, printJobSigningInput, type PrintJobMessage } from '../../protocol/hub';
import { IdentityCheckInput, RequestInput } from '../../protocol/request';
import { tokyoDay, type Clock } from '../clock';
import { badRequest, conflict, notFound } from '../errors';
import type { IdGenerator } from '../../common/ids';
import type { Logger } from '../../common/logger';
import type { DocumentRow, HubStore, HubTx, RequestRow } from '../store/types';
import { certificatePages } from './certificate-pages';
import type { CertificateIssuer, RenderedCertificate, ResidentLookup } from './ports';
import { sealedInboxBody } from './inbox';
import type { PushHub } from './push';
import { documentContext, type HubSealer } from './sealing';
import { reprintableSteps, stepAfterHubDecision } from '../../protocol/workflow';

export interface ApprovalDeps {
  store: HubStore;
  clock: Clock;
  ids: IdGenerator;
  log: Logger;
  push: PushHub;
  registry: ResidentLookup;
  certificates: CertificateIssuer;
  printSigningKey: KeyObject;
  /** Seals the certificates' PDFs the database keeps (documents.pdf, print jobs in the inbox). */
  sealer: HubSealer;
}

type Envelope = { seq: number; body: HubMessageBody };

/** The queue's page cursor: the last row's received time, 受付番号 and id, opaque to the console. */
export const queueCursor = {
  encode: (r: { receivedAt: string; number: string; id: string }) => Buffer.from(JSON.stringify([r.receivedAt, r.number, r.id]), 'utf8').toString('base64url'),
  decode(cursor: string): { receivedAt: string; number: string; id: string } {
    try {
      const [receivedAt, number, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
      const fits = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;
      if (fits(receivedAt, 40) && fits(number, 40) && fits(id, 64)) return { receivedAt, number, id };
    } catch {
      // falls through to the refusal
    }
    throw badRequest('INVALID_INPUT', 'ページの指定（cursor）が正しくありません。一覧を読み込み直してください。', [{ path: 'cursor', message: 'ページの指定が正しくありません。' }]);
  },
};

const notPending = () => conflict('NOT_PENDING', 'この受付はもう判断済みか、取り消されています。一覧を更新してください。');

function describeRequest(input: RequestInput): string[] {
  const out: string[] = [];
  if (input.juminhyo) {
    out.push(input.juminhyo.scope === 'household' ? '世帯全員' : '世帯の一部（本人のみ）');
    out.push(input.juminhyo.includeHonseki ? '本籍・筆頭者あり' : '本籍・筆頭者なし');
    out.push(input.juminhyo.includeZokugara ? '続柄あり' : '続柄なし');
    if (input.juminhyo.showMyNumber) out.push('個人番号あり');
  }
  if (input.fiscalYear !== undefined) out.push(`${input.fiscalYear}年度`);
  if (input.requester.purpose) out.push(`使用目的: ${input.requester.purpose}`);
  return out;
}

export class Approvals {
  constructor(private readonly deps: ApprovalDeps) {}

  private async registryMatch(input: RequestInput): Promise<RegistryMatchView> {
    try {
      return await this.deps.registry.match(input.subject);
    } catch (e) {
      this.deps.log.error({ err: (e as Error).message }, 'registry lookup failed');
      return { status: 'unavailable' };
    }
  }

  /** A page of the requests a search finds, with their names: every view is audited (who saw how many), like one detail. */
  async queue(query: QueueQuery, operatorId: string): Promise<QueueView> {
    const { store, push, clock } = this.deps;
    const asOf = clock.now().toISOString();
    const filter = {
      ...(query.step === 'all' ? {} : { steps: [query.step] }),
      vehicleId: query.vehicle, day: query.day, kind: query.kind, numberPrefix: query.number, receivedAfter: query.receivedAfter,
    };
    const after = query.cursor ? queueCursor.decode(query.cursor) : undefined;
    const { requests, reprints, questions, total, more } = await store.transaction(async (tx) => {
      // One row past the page says whether there is a next one.
      const found = await tx.listRequestPage({ ...filter, after, limit: query.limit + 1 });
      const requests = found.slice(0, query.limit);
      const total = await tx.countRequests(filter);
      await tx.appendAudit({ actor: operatorId, action: 'personal.read_queue', place: 'hub', detail: { requests: requests.length } }, asOf);
      const reprintRows = await tx.listReprintRequests('pending');
      const reprints: ReprintItem[] = [];
      for (const r of reprintRows) {
        const req = await tx.getRequest(r.requestId);
        if (!req) continue;
        reprints.push({ id: r.id, vehicleId: r.vehicleId, requestId: r.requestId, number: req.number, kind: req.kind, jobId: r.jobId, reason: r.reason, staffId: r.staffId, requestedAt: r.requestedAt });
      }
      const questions = new Map<string, QueueItem['questions']>();
      for (const r of requests) questions.set(r.id, (await tx.listQuestions(r.id)).map((q) => ({ text: q.text, operatorId: q.operatorId, askedAt: q.askedAt })));
      return { requests, reprints, questions, total, more: found.length > query.limit };
    });
    const items: QueueItem[] = [];
    for (const r of requests) items.push(await this.toQueueItem(r, questions.get(r.id) ?? []));
    const last = requests[requests.length - 1];
    return {
      requests: items, reprints, connectedVehicles: push.connectedVehicles(), total,
      nextCursor: more && last ? queueCursor.encode({ receivedAt: last.receivedAt, number: last.number, id: last.id }) : null, asOf,
    };
  }

  private async toQueueItem(r: RequestRow, questions: QueueItem['questions']): Promise<QueueItem> {
    const input = RequestInput.parse(JSON.parse(r.input));
    const identity = r.identity ? IdentityCheckInput.parse(JSON.parse(r.identity)) : null;
    return {
      requestId: r.id, vehicleId: r.vehicleId, number: r.number, day: r.day, kind: r.kind, copies: r.copies, feeYen: r.feeYen, step: r.step,
      receivedAt: r.receivedAt, staffId: r.staffId, subjectName: input.subject.name, subjectKana: input.subject.kana,
      requesterRelation: input.requester.relation, letterOfProxy: input.requester.letterOfProxy, details: describeRequest(input),
      identity: identity ? identity.documents.map((d) => ({ kind: d.kind, last4: d.last4 ?? null })) : null,
      registry: await this.registryMatch(input), questions,
    };
  }

  /** Reading one request's personal fields is audited. */
  async detail(requestId: string, operatorId: string): Promise<QueueItem> {
    const { store, clock } = this.deps;
    const { row, questions } = await store.transaction(async (tx) => {
      const row = await tx.getRequest(requestId);
      if (!row) throw notFound('指定の受付が見つかりません。一覧を更新してください。');
      await tx.appendAudit({ actor: operatorId, action: 'personal.read', requestId, place: 'hub' }, clock.now().toISOString());
      return { row, questions: (await tx.listQuestions(requestId)).map((q) => ({ text: q.text, operatorId: q.operatorId, askedAt: q.askedAt })) };
    });
    return this.toQueueItem(row, questions);
  }

  /** The resident an approval would certify, or the refusal that stops it. */
  private async residentToCertify(input: RequestInput): Promise<string> {
    const match = await this.registryMatch(input);
    if (match.status !== 'found') {
      throw conflict(
        'REGISTRY_NO_MATCH',
        match.status === 'ambiguous'
          ? '住民記録で該当する方が複数います。車両に質問を送って確かめるか、却下してください。'
          : match.status === 'unavailable'
            ? '住民記録システムにつながりません。しばらくしてからもう一度承認してください。'
            : '住民記録で該当する方が見つかりません。車両に質問を送って確かめるか、却下してください。',
      );
    }
    return match.residentId;
  }

  /**
   * The certificate an approval would issue now, as page images, with the time and hash that make the
   * approval issue these very bytes. Reading it is a read of personal data, audited.
   */
  async preview(requestId: string, operatorId: string): Promise<CertificatePreview> {
    const { store, clock, certificates } = this.deps;
    const issuedAt = clock.now();
    const row = await store.transaction(async (tx) => {
      const row = await tx.getRequest(requestId);
      if (!row) throw notFound('指定の受付が見つかりません。一覧を更新してください。');
      if (!stepAfterHubDecision(row.step, 'APPROVED')) throw notPending();
      await tx.appendAudit({ actor: operatorId, action: 'personal.read', requestId, place: 'hub', detail: { view: 'certificate_preview' } }, issuedAt.toISOString());
      return row;
    });
    const input = RequestInput.parse(JSON.parse(row.input));
    const residentId = await this.residentToCertify(input);
    const rendered = await certificates.render({ requestId, kind: row.kind, input, residentId, issuedAt });
    return {
      requestId, serial: rendered.serial, issuedAt: issuedAt.toISOString(),
      sha256: createHash('sha256').update(rendered.pdf).digest('hex'), pages: await certificatePages(rendered.pdf),
    };
  }

  /**
   * Approves: renders the certificate, stores it and sends the print job. With the preview the operator
   * looked at, the certificate is rendered for that preview's time and must hash the same: the bytes
   * issued are the bytes seen, or the approval is refused.
   */
  async approve(requestId: string, operatorId: string, preview?: { issuedAt: string; sha256: string }): Promise<{ jobId: string; serial: string }> {
    const { store, clock, ids, certificates, push, log } = this.deps;
    const row = await store.transaction((tx) => tx.getRequest(requestId));
    if (!row) throw notFound('指定の受付が見つかりません。一覧を更新してください。');
    if (!stepAfterHubDecision(row.step, 'APPROVED')) throw notPending();
    const input = RequestInput.parse(JSON.parse(row.input));
    const residentId = await this.residentToCertify(input);
    const now = clock.now();
    const issuedAtDate = preview ? new Date(preview.issuedAt) : now;
    // A preview from an earlier day would date the certificate wrongly; one from the future was not ours.
    if (preview && (tokyoDay(issuedAtDate) !== tokyoDay(now) || issuedAtDate.getTime() > now.getTime())) {
      throw conflict('PREVIEW_STALE', '証明書の見本が古くなりました（日付が変わりました）。見本を表示し直して確かめてから承認してください。');
    }
    // Rendering takes time: it runs outside the transaction; the step is checked again inside it.
    const rendered: RenderedCertificate = await certificates.render({ requestId, kind: row.kind, input, residentId, issuedAt: issuedAtDate });
    const at = now.toISOString();
    const sha256 = createHash('sha256').update(rendered.pdf).digest('hex');
    if (preview && preview.sha256 !== sha256) {
      log.warn({ requestId }, 'certificate differs from its preview; approval refused');
      throw conflict('CERTIFICATE_CHANGED', '住民記録が見本のあとで変わったため、証明書の内容が見本と違います。見本を表示し直して確かめてから承認してください。');
    }
    const document: DocumentRow = {
      id: ids(), requestId, kind: row.kind, serial: rendered.serial, verificationCode: rendered.verificationCode, pdf: rendered.pdf, sha256, issuedAt: at, issuedBy: operatorId,
    };
    const { envelopes, jobId } = await store.transaction(async (tx) => {
      const current = await tx.getRequest(requestId);
      if (!current || !stepAfterHubDecision(current.step, 'APPROVED') || (await tx.getDecision(requestId))) throw notPending();
      await tx.insertDecision({ requestId, decision: 'approved', reason: null, operatorId, decidedAt: at });
      await tx.setRequestStep(requestId, 'approved', at);
      await tx.insertRequestEvent({ requestId, event: 'APPROVED', step: 'approved', actor: operatorId, at, reason: null });
      await tx.insertDocument({ ...document, pdf: this.deps.sealer.seal(documentContext(document.id), document.pdf) });
      const envelopes: Envelope[] = [await this.enqueue(tx, row.vehicleId, { type: 'decision', requestId, decision: 'approved', operatorId, at }, at)];
      const job = await this.issuePrintJob(tx, { row, document, operatorId, at, reprintOf: null });
      envelopes.push(job.envelope);
      await tx.appendAudit({ actor: operatorId, action: 'request.approved', requestId, place: 'hub', detail: { serial: rendered.serial, jobId: job.jobId, vehicleId: row.vehicleId, previewed: preview !== undefined } }, at);
      return { envelopes, jobId: job.jobId };
    });
    log.info({ requestId, jobId, vehicleId: row.vehicleId }, 'request approved; print job queued for the vehicle');
    push.toVehicle(row.vehicleId, envelopes);
    push.toConsoles({ type: 'request.decided', requestId });
    return { jobId, serial: rendered.serial };
  }

  async reject(requestId: string, operatorId: string, reason: string): Promise<void> {
    const { store, clock, push } = this.deps;
    const at = clock.now().toISOString();
    const { vehicleId, envelope } = await store.transaction(async (tx) => {
      const row = await tx.getRequest(requestId);
      if (!row) throw notFound('指定の受付が見つかりません。一覧を更新してください。');
      if (!stepAfterHubDecision(row.step, 'REJECTED') || (await tx.getDecision(requestId))) throw notPending();
      await tx.insertDecision({ requestId, decision: 'rejected', reason, operatorId, decidedAt: at });
      await tx.setRequestStep(requestId, 'rejected', at);
      await tx.insertRequestEvent({ requestId, event: 'REJECTED', step: 'rejected', actor: operatorId, at, reason });
      const envelope = await this.enqueue(tx, row.vehicleId, { type: 'decision', requestId, decision: 'rejected', reason, operatorId, at }, at);
      await tx.appendAudit({ actor: operatorId, action: 'request.rejected', requestId, place: 'hub', detail: { vehicleId: row.vehicleId } }, at);
      return { vehicleId: row.vehicleId, envelope };
    });
    push.toVehicle(vehicleId, [envelope]);
    push.toConsoles({ type: 'request.decided', requestId });
  }

  async ask(requestId: string, operatorId: string, text: string): Promise<void> {
    const { store, clock, ids, push } = this.deps;
    const at = clock.now().toISOString();
    const { vehicleId, envelope } = await store.transaction(async (tx) => {
      const row = await tx.getRequest(requestId);
      if (!row) throw notFound('指定の受付が見つかりません。一覧を更新してください。');
      if (row.step !== 'relayed') throw notPending();
      await tx.insertQuestion({ id: ids(), requestId, text, operatorId, askedAt: at });
      await tx.insertRequestEvent({ requestId, event: 'QUESTION', step: row.step, actor: operatorId, at, reason: null });
      const envelope = await this.enqueue(tx, row.vehicleId, { type: 'question', requestId, text, operatorId, at }, at);
      await tx.appendAudit({ actor: operatorId, action: 'request.question', requestId, place: 'hub', detail: { vehicleId: row.vehicleId } }, at);
      return { vehicleId: row.vehicleId, envelope };
    });
    push.toVehicle(vehicleId, [envelope]);
    push.toConsoles({ type: 'request.question', requestId });
  }

  /** A reprint needs an operator: approved → a new print job of the same document (same serial). */
  async decideReprint(vehicleId: string, reprintRequestId: string, operatorId: string, approve: boolean): Promise<{ newJobId: string | null }> {
    const { store, clock, push } = this.deps;
    const at = clock.now().toISOString();
    const { envelopes, newJobId, requestId } = await store.transaction(async (tx) => {
      const rr = await tx.getReprintRequest(vehicleId, reprintRequestId);
      if (!rr) throw notFound('指定の再印刷の依頼が見つかりません。一覧を更新してください。');
      if (rr.status !== 'pending') throw conflict('NOT_PENDING', 'この再印刷の依頼はもう判断済みです。一覧を更新してください。');
      const row = await tx.getRequest(rr.requestId);
      if (!row) throw notFound();
      if (approve && !reprintableSteps.has(row.step)) {
        throw conflict('NOT_PENDING', 'この受付は取り消されたか交付済みのため、再印刷できません。却下してください。');
      }
      const envelopes: Envelope[] = [
        await this.enqueue(tx, vehicleId, { type: 'reprint_decision', reprintRequestId, requestId: rr.requestId, approved: approve, operatorId, at }, at),
      ];
      let newJobId: string | null = null;
      if (approve) {
        const stored = await tx.getDocumentForRequest(rr.requestId);
        if (!stored) throw notFound('再印刷する証明書が見つかりません。管理者に連絡してください。');
        const document = { ...stored, pdf: this.deps.sealer.open(documentContext(stored.id), stored.pdf) };
        const job = await this.issuePrintJob(tx, { row, document, operatorId, at, reprintOf: rr.jobId });
        envelopes.push(job.envelope);
        newJobId = job.jobId;
        // A spoiled sheet sends the request back to printing, as on the vehicle; a job whose outcome was
        // unknown is reprinted without a step change (the vehicle never recorded it printed).
        const next = stepAfterHubDecision(row.step, 'REPRINT_APPROVED');
        if (next) {
          await tx.setRequestStep(row.id, next, at);
          await tx.insertRequestEvent({ requestId: row.id, event: 'REPRINT_APPROVED', step: next, actor: operatorId, at, reason: null });
        }
      } else {
        await tx.insertRequestEvent({ requestId: row.id, event: 'REPRINT_REJECTED', step: row.step, actor: operatorId, at, reason: null });
      }
      await tx.decideReprintRequest(vehicleId, reprintRequestId, approve ? 'approved' : 'rejected', operatorId, at, newJobId);
      await tx.appendAudit(
        { actor: operatorId, action: approve ? 'print.reprint_approved' : 'print.reprint_rejected', requestId: row.id, place: 'hub', detail: { jobId: rr.jobId, newJobId } },
        at,
      );
      return { envelopes, newJobId, requestId: row.id };
    });
    push.toVehicle(vehicleId, envelopes);
    push.toConsoles({ type: 'reprint.decided', requestId });
    return { newJobId };
  }

  private async issuePrintJob(
    tx: HubTx,
    args: { row: RequestRow; document: Pick<DocumentRow, 'id' | 'pdf' | 'sha256'>; operatorId: string; at: string; reprintOf: string | null },
  ): Promise<{ jobId: string; envelope: Envelope }> {
    const { row, document, operatorId, at, reprintOf } = args;
    const jobId = this.deps.ids();
    const unsigned = { jobId, requestId: row.id, copies: row.copies, sha256: document.sha256, issuedAt: at, ...(reprintOf ? { reprintOf } : {}) };
    const signature = sign(null, Buffer.from(printJobSigningInput(unsigned, row.vehicleId), 'utf8'), this.deps.printSigningKey).toString('base64');
    const message: PrintJobMessage = { type: 'print_job', ...unsigned, pdfBase64: Buffer.from(document.pdf).toString('base64'), signature };
    const envelope = await this.enqueue(tx, row.vehicleId, message, at);
    await tx.insertPrintJob({ id: jobId, requestId: row.id, vehicleId: row.vehicleId, documentId: document.id, copies: row.copies, sha256: document.sha256, signature, reprintOf, inboxSeq: envelope.seq, issuedAt: at, issuedBy: operatorId });
    await tx.appendAudit({ actor: operatorId, action: 'print_job.issued', requestId: row.id, place: 'hub', detail: { jobId, reprintOf, vehicleId: row.vehicleId } }, at);
    return { jobId, envelope };
  }

  /**
   * A り災証明書's print job for a vehicle's certificate printer, signed like a request's (v3: the
   * signature covers the application) and queued in that vehicle's inbox (sealed), inside the caller's
   * transaction; the caller records the job on the application and pushes the envelope after commit.
   */
  async issueRisaiPrintJob(tx: HubTx, args: { vehicleId: string; applicationId: string; pdf: Uint8Array; at: string }): Promise<{ jobId: string; envelope: Envelope }> {
    const { vehicleId, applicationId, pdf, at } = args;
    const jobId = this.deps.ids();
    const sha256 = createHash('sha256').update(pdf).digest('hex');
    const unsigned = { jobId, requestId: applicationId, risaiApplicationId: applicationId, copies: 1, sha256, issuedAt: at };
    const signature = sign(null, Buffer.from(printJobSigningInput(unsigned, vehicleId), 'utf8'), this.deps.printSigningKey).toString('base64');
    const message: PrintJobMessage = { type: 'print_job', ...unsigned, pdfBase64: Buffer.from(pdf).toString('base64'), signature };
    return { jobId, envelope: await this.enqueue(tx, vehicleId, message, at) };
  }

  private async enqueue(tx: HubTx, vehicleId: string, body: HubMessageBody, at: string): Promise<Envelope> {
    const checked = HubMessageBody.parse(body);
    const seq = await tx.appendInbox(vehicleId, checked.type, sealedInboxBody(this.deps.sealer, vehicleId, checked), at);
    return { seq, body: checked };
  }

  async day(date: string): Promise<DayView> {
    return this.deps.store.transaction(async (tx) => {
      const rows = await tx.listRequests({ day: date, limit: 100_000 });
      const events = await tx.listRequestEvents(rows.map((r) => r.id));
      const byRequest = new Map<string, DayRow['history']>();
      for (const e of events) {
        const list = byRequest.get(e.requestId) ?? [];
        list.push({ event: e.event, step: e.step, actor: e.actor, at: e.at });
        byRequest.set(e.requestId, list);
      }
      const countsByKind: DayView['countsByKind'] = {};
      const out: DayRow[] = [];
      for (const r of rows) {
        const d = await tx.getDecision(r.id);
        out.push({
          requestId: r.id, vehicleId: r.vehicleId, number: r.number, kind: r.kind, copies: r.copies, step: r.step, receivedAt: r.receivedAt,
          staffId: r.staffId, decidedBy: d?.operatorId ?? null, decision: d?.decision ?? null, history: byRequest.get(r.id) ?? [],
        });
        const c = (countsByKind[r.kind as CertificateKind] ??= { requests: 0, copies: 0, handedOver: 0 });
        c.requests++;
        c.copies += r.copies;
        if (r.step === 'handed_over') c.handedOver++;
      }
      return { date, requests: out, countsByKind };
    });
  }
}


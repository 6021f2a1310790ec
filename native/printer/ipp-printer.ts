// The A4 certificate printer over IPP (IPP Everywhere): Print-Job with a PDF, then Get-Job-Attributes
// until the job reaches a final state; Get-Printer-Attributes for state and reasons before sending.
import http from 'node:http';
import https from 'node:https';
import { z } from 'zod';
import { decodeResponse, encodeRequest, GroupTag, groupOf, isSuccess, Operation, ValueTag, type IppResponse, type OutgoingAttribute } from './ipp-encoding';
import { problemsFromPrinterState } from './ipp-reasons';
import { PrinterError, statusFrom, type CertificatePrinter, type CertificatePrintJob, type PrintConfirmation, type PrinterStatus, type SendHooks } from './types';

export interface IppPrinterOptions {
  /** ipp://host:port/ipp/print (ipps:// for TLS). */
  uri: string;
  /** How long to follow a job before calling its outcome unknown. */
  jobTimeoutMs?: number;
  /** Per HTTP request. */
  requestTimeoutMs?: number;
  /** Consecutive failed polls after which the connection counts as lost. */
  maxPollFailures?: number;
  /** Called while a sent job waits at the printer for a problem (e.g. paper) to be fixed. */
  onAttention?: (status: PrinterStatus) => void;
}

const JobState = { pending: 3, pendingHeld: 4, processing: 5, processingStopped: 6, canceled: 7, aborted: 8, completed: 9 } as const;

const one = <T extends z.ZodType>(schema: T) => z.tuple([schema]);

const PrinterGroup = z.object({
  'printer-state': one(z.number().int().min(3).max(5)),
  'printer-state-reasons': z.array(z.string().min(1)).min(1),
});

const JobGroup = z.object({
  'job-id': one(z.number().int().positive()),
  'job-state': one(z.number().int().min(3).max(9)),
  'job-state-reasons': z.array(z.string()).optional(),
  'job-impressions-completed': one(z.number().int().min(0)).optional(),
});

const unreachable = (detail: string) => ({
  code: 'unreachable',
  message: `A4プリンターにつながりません。電源とネットワークを確認してください（${detail}）。`,
  blocking: true,
});

export class IppCertificatePrinter implements CertificatePrinter {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private requestId = 0;

  constructor(private readonly options: IppPrinterOptions) {
    const parsed = new URL(options.uri);
    if (!['ipp:', 'ipps:', 'http:', 'https:'].includes(parsed.protocol)) {
      throw new PrinterError('IPP_BAD_URI', `A4プリンターの宛先が正しくありません（${options.uri}）。設定を確認してください。`, false);
    }
    const tls = parsed.protocol === 'ipps:' || parsed.protocol === 'https:';
    this.url = new URL(`${tls ? 'https' : 'http'}://${parsed.hostname}:${parsed.port || 631}${parsed.pathname}`);
    // One kept-alive connection: the job and its polls go over the same socket, which saves a
    // TCP handshake per poll.
    this.agent = tls ? new https.Agent({ keepAlive: true, maxSockets: 1 }) : new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  get printerUri(): string {
    return this.options.uri;
  }

  async status(): Promise<PrinterStatus> {
    try {
      return await this.fetchStatus();
    } catch (err) {
      if (err instanceof PrinterError) return statusFrom(err.problems.length ? err.problems : [unreachable(err.code)]);
      throw err;
    }
  }

  async print(job: CertificatePrintJob, hooks?: SendHooks): Promise<PrintConfirmation> {
    const before = await this.fetchStatus();
    if (!before.ready) {
      throw new PrinterError('PRINTER_NOT_READY', before.problems.find((p) => p.blocking)?.message ?? 'A4プリンターが印刷できない状態です。', false, before.problems);
    }
    hooks?.beforeSend();
    let created: IppResponse;
    try {
      created = await this.send(Operation.printJob, [
        { tag: ValueTag.nameWithoutLanguage, name: 'requesting-user-name', values: ['odekake'] },
        { tag: ValueTag.nameWithoutLanguage, name: 'job-name', values: [job.jobId] },
        { tag: ValueTag.mimeMediaType, name: 'document-format', values: ['application/pdf'] },
      ], [{ tag: ValueTag.integer, name: 'copies', values: [job.copies] }], job.pdf);
    } catch (err) {
      throw new PrinterError('IPP_SEND_FAILED', '証明書をA4プリンターに送る途中で接続が切れました。プリンターに印刷されたか確認してください。', true, [unreachable(String((err as Error).message))]);
    }
    if (!isSuccess(created.statusCode)) {
      // The printer refused the job as a whole, so nothing was printed.
      throw new PrinterError('IPP_REJECTED', `A4プリンターが印刷を受け付けませんでした（状態コード 0x${created.statusCode.toString(16).padStart(4, '0')}）。`, false);
    }
    const parsedJob = JobGroup.safeParse(groupOf(created, GroupTag.job));
    if (!parsedJob.success) {
      throw new PrinterError('IPP_BAD_RESPONSE', 'A4プリンターの応答が読み取れません。プリンターに印刷されたか確認してください。', true);
    }
    const printerJobId = parsedJob.data['job-id'][0];
    return this.follow(printerJobId, parsedJob.data['job-state'][0]);
  }

  /** Polls the job until completed, aborted or canceled; fast at first because most jobs finish quickly. */
  private async follow(printerJobId: number, initialState: number): Promise<PrintConfirmation> {
    const deadline = Date.now() + (this.options.jobTimeoutMs ?? 120_000);
    const maxFailures = this.options.maxPollFailures ?? 3;
    let state = initialState;
    let delay = 5;
    let failures = 0;
    let attentionShown = false;
    for (;;) {
      if (state === JobState.completed) return { printerJobId, detail: `IPP job ${printerJobId} completed` };
      if (state === JobState.aborted || state === JobState.canceled) {
        throw new PrinterError('IPP_JOB_ABORTED', 'A4プリンターが印刷を中断しました。印刷された用紙を確認し、「印刷済み」か「再印刷を依頼」を選んでください。', true);
      }
      if (Date.now() > deadline) {
        throw new PrinterError('IPP_JOB_TIMEOUT', 'A4プリンターから印刷完了の知らせが来ません。印刷された用紙を確認してください。', true);
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 250);
      try {
        const res = await this.send(Operation.getJobAttributes, [
          { tag: ValueTag.integer, name: 'job-id', values: [printerJobId] },
          { tag: ValueTag.keyword, name: 'requested-attributes', values: ['job-id', 'job-state', 'job-state-reasons'] },
        ]);
        const parsed = JobGroup.safeParse(groupOf(res, GroupTag.job));
        if (!isSuccess(res.statusCode) || !parsed.success) throw new Error(`bad Get-Job-Attributes response 0x${res.statusCode.toString(16)}`);
        failures = 0;
        state = parsed.data['job-state'][0];
        const reasons = parsed.data['job-state-reasons'] ?? [];
        if (state === JobState.processingStopped || reasons.some((r) => r.startsWith('printer-stopped') || r === 'resources-are-not-ready')) {
          // The printer keeps the job and resumes it by itself once the problem is fixed.
          if (!attentionShown && this.options.onAttention) this.options.onAttention(await this.status());
          attentionShown = true;
        }
      } catch (err) {
        failures += 1;
        if (failures >= maxFailures) {
          throw new PrinterError('IPP_CONNECTION_LOST', 'A4プリンターとの接続が印刷中に切れました。印刷された用紙を確認し、「印刷済み」か「再印刷を依頼」を選んでください。', true, [unreachable((err as Error).message)]);
        }
      }
    }
  }

  private async fetchStatus(): Promise<PrinterStatus> {
    let res: IppResponse;
    try {
      res = await this.send(Operation.getPrinterAttributes, [
        { tag: ValueTag.keyword, name: 'requested-attributes', values: ['printer-state', 'printer-state-reasons', 'printer-is-accepting-jobs'] },
      ]);
    } catch (err) {
      throw new PrinterError('PRINTER_UNREACHABLE', unreachable((err as Error).message).message, false, [unreachable((err as Error).message)]);
    }
    const parsed = PrinterGroup.safeParse(groupOf(res, GroupTag.printer));
    if (!isSuccess(res.statusCode) || !parsed.success) {
      const p = { code: 'bad-response', message: 'A4プリンターの状態が読み取れません。プリンターの電源を入れ直してください。', blocking: true };
      throw new PrinterError('IPP_BAD_RESPONSE', p.message, false, [p]);
    }
    return statusFrom(problemsFromPrinterState(parsed.data['printer-state'][0], parsed.data['printer-state-reasons']));
  }

  private send(operation: number, operationAttributes: OutgoingAttribute[], jobAttributes: OutgoingAttribute[] = [], data?: Uint8Array): Promise<IppResponse> {
    const body = encodeRequest({
      operation,
      requestId: ++this.requestId,
      groups: [
        {
          tag: GroupTag.operation,
          attributes: [
            { tag: ValueTag.charset, name: 'attributes-charset', values: ['utf-8'] },
            { tag: ValueTag.naturalLanguage, name: 'attributes-natural-language', values: ['ja'] },
            { tag: ValueTag.uri, name: 'printer-uri', values: [this.options.uri] },
            ...operationAttributes,
          ],
        },
        ...(jobAttributes.length ? [{ tag: GroupTag.job, attributes: jobAttributes }] : []),
      ],
      ...(data ? { data } : {}),
    });
    const transport = this.url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'Content-Type': 'application/ipp', 'Content-Length': body.length },
          timeout: this.options.requestTimeoutMs ?? 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
            try {
              resolve(decodeResponse(Buffer.concat(chunks)));
            } catch (err) {
              reject(err);
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(body);
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}

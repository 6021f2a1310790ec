// The thermal receipt printer over raw TCP (port 9100). node-thermal-printer's network interface only
// writes, so the connection here is our own: it writes the job and reads the DLE EOT answers on the
// same socket. A job is sent only when status says the printer can print, status is asked again
// between segments, and the job counts as done only when status comes back after the cut.
import net from 'node:net';
import { encodeReceipt } from './escpos-encode';
import { parseStatusBytes, problemsFromEscpos, STATUS_REQUEST } from './escpos-status';
import { PrinterError, statusFrom, type PrintConfirmation, type PrinterStatus, type ReceiptPrinter, type ReceiptPrintJob, type SendHooks } from './types';
import type { ReceiptProfile } from './config';

export interface EscposPrinterOptions {
  host: string;
  port: number;
  profile: ReceiptProfile;
  connectTimeoutMs?: number;
  /** How long to wait for the status after the cut (printing a long receipt takes time). */
  jobTimeoutMs?: number;
  /** Bytes sent between two status checks during a job. */
  segmentBytes?: number;
}

const unreachableProblem = (detail: string) => ({
  code: 'unreachable',
  message: `レシートプリンターにつながりません。電源とケーブルを確認してください（${detail}）。`,
  blocking: true,
});

/** A socket with a byte queue, so answers can be awaited in order. */
class Link {
  private received: number[] = [];
  private waiter: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | undefined;
  private closedWith: Error | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const b of chunk) this.received.push(b);
      this.settle();
    });
    const closed = (err?: Error) => {
      this.closedWith ??= err ?? new Error('connection closed');
      this.settle();
    };
    socket.on('error', closed);
    socket.on('close', () => closed());
  }

  static open(host: string, port: number, timeoutMs: number): Promise<Link> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('connect timeout'));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new Link(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  private settle(): void {
    const w = this.waiter;
    if (!w) return;
    if (this.received.length >= w.n) {
      this.waiter = undefined;
      clearTimeout(w.timer);
      w.resolve(Buffer.from(this.received.splice(0, w.n)));
    } else if (this.closedWith) {
      this.waiter = undefined;
      clearTimeout(w.timer);
      w.reject(this.closedWith);
    }
  }

  read(n: number, timeoutMs: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error('no answer'));
      }, timeoutMs);
      this.waiter = { n, resolve, reject, timer };
      this.settle();
    });
  }

  write(bytes: Buffer): Promise<void> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => this.socket.write(bytes, (err) => (err ? reject(err) : resolve())));
  }

  async status(timeoutMs: number): Promise<PrinterStatus> {
    // Answers left over from an earlier exchange would shift every byte; start clean.
    this.received = [];
    await this.write(STATUS_REQUEST);
    return statusFrom(problemsFromEscpos(parseStatusBytes(await this.read(3, timeoutMs))));
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }
}

export class EscposReceiptPrinter implements ReceiptPrinter {
  constructor(private readonly options: EscposPrinterOptions) {}

  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  private get connectTimeout(): number {
    return this.options.connectTimeoutMs ?? 3_000;
  }

  async status(): Promise<PrinterStatus> {
    let link: Link | undefined;
    try {
      link = await Link.open(this.options.host, this.options.port, this.connectTimeout);
      return await link.status(this.connectTimeout);
    } catch (err) {
      return statusFrom([unreachableProblem((err as Error).message)]);
    } finally {
      link?.close();
    }
  }

  async print(job: ReceiptPrintJob, hooks?: SendHooks): Promise<PrintConfirmation> {
    // Encode first: a receipt that cannot be encoded fails before anything is sent.
    const segments = await encodeReceipt(job.document, this.options.profile);
    let link: Link;
    try {
      link = await Link.open(this.options.host, this.options.port, this.connectTimeout);
    } catch (err) {
      throw new PrinterError('PRINTER_UNREACHABLE', unreachableProblem((err as Error).message).message, false, [unreachableProblem((err as Error).message)]);
    }
    let sent = false;
    try {
      const before = await link.status(this.connectTimeout);
      if (!before.ready) {
        throw new PrinterError('PRINTER_NOT_READY', before.problems.find((p) => p.blocking)!.message, false, before.problems);
      }
      hooks?.beforeSend();
      sent = true;
      const limit = this.options.segmentBytes ?? 4096;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      for (let i = 0; i < segments.length; i++) {
        const seg = segments[i]!;
        pending.push(seg);
        pendingBytes += seg.length;
        const last = i === segments.length - 1;
        if (pendingBytes < limit && !last) continue;
        await link.write(Buffer.concat(pending));
        pending = [];
        pendingBytes = 0;
        // The final status (after the cut) is the confirmation; the ones before it stop a job that
        // ran out of paper halfway so the rest is not queued behind an empty roll.
        const during = await link.status(last ? (this.options.jobTimeoutMs ?? 30_000) : this.connectTimeout);
        if (!during.ready) {
          throw new PrinterError(
            'RECEIPT_STOPPED_DURING_JOB',
            `${during.problems.find((p) => p.blocking)!.message} 印刷の途中で止まりました。出てきたレシートを確認してください。`,
            true,
            during.problems,
          );
        }
      }
      return { detail: `receipt ${job.jobId} cut and status confirmed` };
    } catch (err) {
      if (err instanceof PrinterError) throw err;
      if (!sent) throw new PrinterError('PRINTER_UNREACHABLE', unreachableProblem((err as Error).message).message, false, [unreachableProblem((err as Error).message)]);
      throw new PrinterError(
        'RECEIPT_CONNECTION_LOST',
        'レシートプリンターとの接続が印刷中に切れました。レシートが出たか確認し、「印刷済み」か「再印刷」を選んでください。',
        true,
        [unreachableProblem((err as Error).message)],
      );
    } finally {
      link.close();
    }
  }

  async close(): Promise<void> {}
}

// A receipt printer on 127.0.0.1 for tests and the demo. It answers DLE EOT with the condition the
// test sets, keeps print data in its buffer while it cannot print (as a real printer does, so a
// resent job would show up as a duplicate), decodes what it prints into text and pictures, and
// can write each cut receipt as a .txt and a .png.
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { EscposDecoder, type DecodedEvent } from './escpos-decoder';
import { renderToPng, type RenderItem } from './render';

export type EmulatedCondition = 'ok' | 'near_end' | 'paper_end' | 'cover_open' | 'offline';

/** DLE EOT answers (n = 1, 2, 4) for each condition; bits 1 and 4 are always set. */
const statusBytes: Record<EmulatedCondition, Record<1 | 2 | 4, number>> = {
  ok: { 1: 0x12, 2: 0x12, 4: 0x12 },
  near_end: { 1: 0x12, 2: 0x12, 4: 0x1e },
  paper_end: { 1: 0x1a, 2: 0x32, 4: 0x7e },
  cover_open: { 1: 0x1a, 2: 0x16, 4: 0x12 },
  offline: { 1: 0x1a, 2: 0x12, 4: 0x12 },
};

export type PrintedLine = Exclude<DecodedEvent, { type: 'status-request' | 'paper-status-request' | 'unknown' | 'cut' }>;

export interface PrintedReceipt {
  /** 1, 2, 3… in the order the receipts were cut. */
  seq: number;
  items: PrintedLine[];
  /** The text lines, joined with newlines: what a person reads on the paper. */
  text: string;
  images: number;
  partialCut: boolean;
  files?: { txt: string; png: string };
}

export interface EscposEmulatorOptions {
  /** When set, each receipt is written here as receipt-0001.txt / .png. */
  outputDir?: string;
  /** Half-width columns and dots of the emulated paper, for the PNG. */
  columns?: number;
  widthDots?: number;
  fontFile?: string;
}

export class EscposEmulator {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private condition: EmulatedCondition = 'ok';
  private delayMs = 0;
  private held: PrintedLine[] = [];
  private heldCuts: { index: number; partial: boolean }[] = [];
  private current: PrintedLine[] = [];
  private readonly waiters: { n: number; resolve: () => void }[] = [];

  readonly receipts: PrintedReceipt[] = [];
  /** Every byte received, status requests included. */
  raw: Buffer = Buffer.alloc(0);
  /** Commands and characters that were not real-time status requests, i.e. print data. */
  printCommands = 0;
  statusRequests = 0;
  unknownCommands: number[][] = [];

  constructor(private readonly options: EscposEmulatorOptions = {}) {}

  get port(): number {
    const address = this.server?.address();
    if (!address || typeof address === 'string') throw new Error('emulator not started');
    return address.port;
  }

  async start(port = 0): Promise<number> {
    if (this.options.outputDir) mkdirSync(this.options.outputDir, { recursive: true });
    this.server = net.createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    return this.port;
  }

  /** Paper end, cover open, offline: data waits in the buffer. Back to ok (or near end): it prints. */
  setCondition(condition: EmulatedCondition): void {
    this.condition = condition;
    if (this.canPrint()) this.releaseHeld();
  }

  /** A slow printer: every chunk of data, status answers included, waits this long. */
  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  /** Power cut: every connection drops and the port closes. */
  async crash(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await this.stop();
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  waitForReceipts(n: number, timeoutMs = 5_000): Promise<void> {
    if (this.receipts.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected ${n} receipts, got ${this.receipts.length}`)), timeoutMs);
      this.waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  private canPrint(): boolean {
    return this.condition === 'ok' || this.condition === 'near_end';
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const decoder = new EscposDecoder();
    let chain = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      this.raw = Buffer.concat([this.raw, chunk]);
      chain = chain.then(async () => {
        if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
        if (socket.destroyed) return;
        this.handle(socket, decoder.push(chunk));
      });
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }

  private handle(socket: net.Socket, events: DecodedEvent[]): void {
    for (const e of events) {
      switch (e.type) {
        case 'status-request': {
          this.statusRequests += 1;
          const table = statusBytes[this.condition];
          const n = e.n === 1 || e.n === 2 || e.n === 4 ? e.n : 1;
          socket.write(Buffer.from([table[n]]));
          break;
        }
        case 'paper-status-request':
          this.printCommands += 1;
          // GS r 1: bits 2-3 near end, 5-6 paper end (per the same sensor as DLE EOT 4).
          socket.write(Buffer.from([this.condition === 'paper_end' ? 0x6c : this.condition === 'near_end' ? 0x0c : 0x00]));
          break;
        case 'unknown':
          this.printCommands += 1;
          this.unknownCommands.push(e.bytes);
          break;
        case 'cut':
          this.printCommands += 1;
          if (this.canPrint()) this.finishReceipt(e.partial);
          else this.heldCuts.push({ index: this.held.length, partial: e.partial });
          break;
        default:
          this.printCommands += 1;
          if (this.canPrint()) this.current.push(e);
          else this.held.push(e);
      }
    }
  }

  private releaseHeld(): void {
    const held = this.held;
    const cuts = this.heldCuts;
    this.held = [];
    this.heldCuts = [];
    let from = 0;
    for (const cut of cuts) {
      this.current.push(...held.slice(from, cut.index));
      this.finishReceipt(cut.partial);
      from = cut.index;
    }
    this.current.push(...held.slice(from));
  }

  private finishReceipt(partial: boolean): void {
    const items = this.current;
    this.current = [];
    const text = items.flatMap((i) => (i.type === 'text' ? [i.text] : i.type === 'feed' ? Array<string>(i.lines).fill('') : [])).join('\n').replace(/\n+$/, '');
    const receipt: PrintedReceipt = { seq: this.receipts.length + 1, items, text, images: items.filter((i) => i.type === 'image').length, partialCut: partial };
    this.receipts.push(receipt);
    if (this.options.outputDir) {
      const base = join(this.options.outputDir, `receipt-${String(receipt.seq).padStart(4, '0')}`);
      receipt.files = { txt: `${base}.txt`, png: `${base}.png` };
      // Written after the status answers of this chunk went out, so a picture never slows a job.
      setImmediate(() => this.writeFiles(receipt, base));
    }
    for (const w of [...this.waiters]) {
      if (this.receipts.length >= w.n) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }

  private writeFiles(receipt: PrintedReceipt, base: string): void {
    writeFileSync(`${base}.txt`, `${receipt.text}\n`, 'utf8');
    const items: RenderItem[] = [...receipt.items, { type: 'cut' }];
    const png = renderToPng(items, {
      widthDots: this.options.widthDots ?? 576,
      columns: this.options.columns ?? 48,
      ...(this.options.fontFile ? { fontFile: this.options.fontFile } : {}),
    });
    writeFileSync(`${base}.png`, png);
  }
}

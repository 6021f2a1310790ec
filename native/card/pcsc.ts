// The PC/SC layer over pcsclite: reader discovery, card inserted/removed events, exclusive card
// sessions with APDU transmit (61xx/6Cxx handled), and a new PC/SC context whenever pcscd goes away
// and comes back (pcsclite never recovers by itself). Logs carry reader names and codes, never APDUs.
import { EventEmitter } from 'node:events';
import pcsclite from 'pcsclite';
import type { Logger } from 'pino';
import { splitResponse, type CardChannel, type ResponseApdu } from './apdu';
import { CardError, cardErrors } from './errors';

type PcscLite = ReturnType<typeof pcsclite>;
interface PcscReader extends EventEmitter {
  name: string;
  connected: boolean;
  SCARD_SHARE_EXCLUSIVE: number;
  SCARD_PROTOCOL_T0: number;
  SCARD_PROTOCOL_T1: number;
  SCARD_RESET_CARD: number;
  connect(options: { share_mode?: number; protocol?: number }, cb: (err: unknown, protocol: number) => void): void;
  disconnect(disposition: number, cb: (err: unknown) => void): void;
  transmit(data: Buffer, resLen: number, protocol: number, cb: (err: unknown, response: Buffer) => void): void;
  close(): void;
}

export interface ReaderSnapshot {
  name: string;
  cardPresent: boolean;
  /** ATR of the card in the reader, hex; null without a card. */
  atr: string | null;
}

export interface PcscEvents {
  'card-inserted': [{ reader: string; atr: string }];
  'card-removed': [{ reader: string }];
  'readers-changed': [{ readers: string[] }];
  'service-lost': [];
  'service-restored': [];
}

interface ReaderEntry {
  reader: PcscReader;
  state: number | null;
  atr: Buffer | null;
  busy: boolean;
}

const SCARD_STATE_PRESENT = 0x20;
const SCARD_STATE_MUTE = 0x200;

/** PC/SC return codes we turn into specific card errors (pcsclite puts them in the message as 0x…). */
const PCSC = {
  sharingViolation: 0x8010000b,
  noSmartcard: 0x8010000c,
  unknownReader: 0x80100009,
  notTransacted: 0x80100016,
  readerUnavailable: 0x80100017,
  noService: 0x8010001d,
  serviceStopped: 0x8010001e,
  noReadersAvailable: 0x8010002e,
  unresponsiveCard: 0x80100066,
  unpoweredCard: 0x80100067,
  resetCard: 0x80100068,
  removedCard: 0x80100069,
  invalidHandle: 0x80100003,
  timeout: 0x8010000a,
  commError: 0x80100013,
} as const;

export function pcscCode(err: unknown): number | null {
  const m = /\(0x([0-9a-fA-F]{8})\)/.exec(String((err as { message?: unknown })?.message ?? err));
  return m ? parseInt(m[1] as string, 16) : null;
}

/** Maps a pcsclite error to the card error a person should see. `during` = a card session was open. */
export function cardErrorFromPcsc(err: unknown, during: 'connect' | 'transmit'): CardError {
  if (err instanceof CardError) return err;
  const code = pcscCode(err);
  const detail = code === null ? 'pcsc' : `0x${code.toString(16)}`;
  switch (code) {
    case PCSC.sharingViolation:
      return cardErrors.readerBusy(detail);
    case PCSC.noSmartcard:
      return during === 'connect' ? cardErrors.noCard() : cardErrors.removed(detail);
    case PCSC.removedCard:
    case PCSC.resetCard:
    case PCSC.unpoweredCard:
    case PCSC.notTransacted:
    case PCSC.invalidHandle:
    case PCSC.commError:
      return during === 'connect' && code !== PCSC.removedCard ? cardErrors.commandFailed(detail) : cardErrors.removed(detail);
    case PCSC.unresponsiveCard:
      return cardErrors.notMyNumberCard();
    case PCSC.unknownReader:
    case PCSC.readerUnavailable:
    case PCSC.noReadersAvailable:
      return cardErrors.noReader();
    case PCSC.noService:
    case PCSC.serviceStopped:
      return cardErrors.serviceUnavailable(detail);
    default:
      return cardErrors.commandFailed(detail);
  }
}

export interface PcscManagerOptions {
  logger: Logger;
  /** How often to try a new PC/SC context while pcscd is away. */
  retryMs?: number;
  /** How long a fresh context waits for readers to report before saying there are none. */
  discoveryMs?: number;
  /** Creates the pcsclite context; tests never replace it (nothing below pcsclite is mocked). */
  create?: () => PcscLite;
}

/** An open, exclusive connection to the card in one reader. Closing resets the card. */
export class CardSession implements CardChannel {
  #closed = false;
  apduCount = 0;

  constructor(
    private readonly reader: PcscReader,
    private readonly protocol: number,
    /** Whether the reader still reports a card (the status watch's view). */
    private readonly cardPresent: () => boolean,
  ) {}

  /**
   * Some readers (vpcd among them) answer "success" with no bytes when the card vanished mid-command.
   * A response without a status word is then told apart by asking whether the card is still there.
   */
  async #checked(raw: Buffer): Promise<ResponseApdu> {
    if (raw.length >= 2) return splitResponse(raw);
    const deadline = Date.now() + 500;
    while (Date.now() < deadline) {
      if (!this.cardPresent()) throw cardErrors.removed('empty response, card gone');
      await new Promise((r) => setTimeout(r, 20));
    }
    return splitResponse(raw);
  }

  #raw(command: Uint8Array, resLen: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.#closed) {
        reject(cardErrors.removed('session closed'));
        return;
      }
      this.apduCount += 1;
      this.reader.transmit(Buffer.from(command), resLen, this.protocol, (err, response) => {
        if (err) reject(cardErrorFromPcsc(err, 'transmit'));
        else resolve(response);
      });
    });
  }

  async transmit(command: Uint8Array, maxData: number): Promise<ResponseApdu> {
    let res = await this.#checked(await this.#raw(command, maxData + 2));
    // 6Cxx: wrong Le — the card tells the right one; resend once with it.
    if (res.sw >> 8 === 0x6c && command.length >= 5) {
      const fixed = Uint8Array.from(command);
      fixed[fixed.length - 1] = res.sw & 0xff;
      res = await this.#checked(await this.#raw(fixed, (res.sw & 0xff || 256) + 2));
    }
    // 61xx: more data waiting (T=0) — collect it with GET RESPONSE.
    let data = res.data;
    let guard = 0;
    while (res.sw >> 8 === 0x61) {
      if ((guard += 1) > 32) throw cardErrors.dataInvalid('too many GET RESPONSE rounds');
      const le = res.sw & 0xff || 256;
      res = await this.#checked(await this.#raw(Uint8Array.of(0x00, 0xc0, 0x00, 0x00, le & 0xff), le + 2));
      const merged = new Uint8Array(data.length + res.data.length);
      merged.set(data, 0);
      merged.set(res.data, data.length);
      data = merged;
    }
    if (data.length > maxData) throw cardErrors.dataInvalid(`response of ${data.length} bytes, expected at most ${maxData}`);
    return { data, sw: res.sw };
  }

  /** Disconnects with a card reset, so no verified PIN state outlives the session. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => {
      this.reader.disconnect(this.reader.SCARD_RESET_CARD, () => resolve());
    });
  }
}

export class PcscManager extends EventEmitter<PcscEvents> {
  readonly #logger: Logger;
  readonly #retryMs: number;
  readonly #discoveryMs: number;
  readonly #create: () => PcscLite;
  #pcsc: PcscLite | null = null;
  #readers = new Map<string, ReaderEntry>();
  #contextSince = 0;
  #retryTimer: NodeJS.Timeout | null = null;
  #closed = false;
  #lost = false;

  constructor(options: PcscManagerOptions) {
    super();
    this.#logger = options.logger;
    this.#retryMs = options.retryMs ?? 500;
    this.#discoveryMs = options.discoveryMs ?? 1500;
    this.#create = options.create ?? (() => pcsclite());
  }

  start(): void {
    if (this.#pcsc || this.#closed) return;
    this.#openContext();
  }

  get serviceAvailable(): boolean {
    return this.#pcsc !== null;
  }

  #openContext(): void {
    this.#retryTimer = null;
    if (this.#closed) return;
    let pcsc: PcscLite;
    try {
      pcsc = this.#create();
    } catch (err) {
      this.#logger.debug({ code: pcscCode(err) }, 'PC/SC context not available yet');
      this.#markLost();
      this.#scheduleRetry();
      return;
    }
    this.#pcsc = pcsc;
    this.#contextSince = Date.now();
    pcsc.on('reader', (reader: unknown) => this.#addReader(reader as PcscReader));
    pcsc.on('error', (err: unknown) => {
      this.#logger.warn({ code: pcscCode(err) }, 'PC/SC context failed; recreating');
      this.#dropContext();
      this.#markLost();
      this.#scheduleRetry();
    });
    if (this.#lost) {
      this.#lost = false;
      this.#logger.info('PC/SC service is back');
      this.emit('service-restored');
    }
  }

  #markLost(): void {
    if (!this.#lost) {
      this.#lost = true;
      this.emit('service-lost');
    }
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retryTimer) return;
    this.#retryTimer = setTimeout(() => this.#openContext(), this.#retryMs);
  }

  #dropContext(): void {
    const pcsc = this.#pcsc;
    this.#pcsc = null;
    const had = [...this.#readers.entries()];
    this.#readers.clear();
    for (const [name, entry] of had) {
      entry.reader.removeAllListeners('status');
      try {
        entry.reader.close();
      } catch {
        // The reader's thread already ended with the context; nothing left to release.
      }
      if (entry.state !== null && (entry.state & SCARD_STATE_PRESENT) !== 0) this.emit('card-removed', { reader: name });
    }
    if (pcsc) {
      pcsc.removeAllListeners('reader');
      pcsc.removeAllListeners('error');
      // Closing can still report an error from the cancelled watch; it must not become an uncaught one.
      pcsc.on('error', () => undefined);
      try {
        pcsc.close();
      } catch {
        // Same: a failed context has nothing more to close.
      }
    }
    if (had.length > 0) this.emit('readers-changed', { readers: [] });
  }

  #addReader(reader: PcscReader): void {
    const entry: ReaderEntry = { reader, state: null, atr: null, busy: false };
    this.#readers.set(reader.name, entry);
    this.#logger.info({ reader: reader.name }, 'card reader found');
    this.emit('readers-changed', { readers: [...this.#readers.keys()] });
    reader.on('error', (err: unknown) => {
      this.#logger.debug({ reader: reader.name, code: pcscCode(err) }, 'reader status watch ended');
    });
    reader.on('end', () => {
      if (this.#readers.get(reader.name) !== entry) return;
      this.#readers.delete(reader.name);
      this.#logger.info({ reader: reader.name }, 'card reader gone');
      if (entry.state !== null && (entry.state & SCARD_STATE_PRESENT) !== 0) this.emit('card-removed', { reader: reader.name });
      this.emit('readers-changed', { readers: [...this.#readers.keys()] });
    });
    reader.on('status', (status: { state: number; atr?: Buffer }) => {
      const before = entry.state !== null && (entry.state & SCARD_STATE_PRESENT) !== 0;
      const now = (status.state & SCARD_STATE_PRESENT) !== 0;
      entry.state = status.state;
      entry.atr = now && status.atr && status.atr.length > 0 ? Buffer.from(status.atr) : null;
      if (now && !before) {
        this.#logger.info({ reader: reader.name }, 'card inserted');
        this.emit('card-inserted', { reader: reader.name, atr: entry.atr ? entry.atr.toString('hex').toUpperCase() : '' });
      } else if (!now && before) {
        this.#logger.info({ reader: reader.name }, 'card removed');
        this.emit('card-removed', { reader: reader.name });
      }
    });
  }

  /** Readers as last reported. */
  readers(): ReaderSnapshot[] {
    return [...this.#readers.values()]
      .map((e) => {
        const present = e.state !== null && (e.state & SCARD_STATE_PRESENT) !== 0 && (e.state & SCARD_STATE_MUTE) === 0;
        return { name: e.reader.name, cardPresent: present, atr: present && e.atr ? e.atr.toString('hex').toUpperCase() : null };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Waits until the current context has reported its readers (or `timeoutMs` passes). pcsclite gives
   * no "scan done" signal, so: every known reader has a status, and a short discovery window passed
   * unless a reader already holds a card.
   */
  async settle(timeoutMs = 3000): Promise<void> {
    this.start();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#pcsc) {
        const entries = [...this.#readers.values()];
        const allReported = entries.every((e) => e.state !== null);
        const anyCard = entries.some((e) => e.state !== null && (e.state & SCARD_STATE_PRESENT) !== 0);
        if (allReported && entries.length > 0 && (anyCard || Date.now() - this.#contextSince >= 300)) return;
        if (allReported && Date.now() - this.#contextSince >= this.#discoveryMs) return;
      }
      if (Date.now() >= deadline) return;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Chooses the reader: the named one, or else the one reader holding a card. */
  pickReader(name?: string): ReaderSnapshot {
    if (!this.#pcsc) throw cardErrors.serviceUnavailable();
    const all = this.readers();
    if (name !== undefined) {
      const r = all.find((x) => x.name === name);
      if (!r) throw all.length === 0 ? cardErrors.noReader() : cardErrors.readerNotFound(name);
      return r;
    }
    if (all.length === 0) throw cardErrors.noReader();
    const withCard = all.filter((r) => r.cardPresent);
    if (withCard.length === 0) throw cardErrors.noCard();
    if (withCard.length > 1) throw cardErrors.severalCards();
    return withCard[0] as ReaderSnapshot;
  }

  /**
   * Runs `fn` with an exclusive session on the card in `readerName`, and always closes it (with a
   * card reset). One operation per reader at a time: a second one gets CARD_READER_BUSY.
   */
  async withCard<T>(readerName: string, fn: (session: CardSession) => Promise<T>): Promise<T> {
    const entry = this.#readers.get(readerName);
    if (!entry) throw this.#pcsc ? cardErrors.readerNotFound(readerName) : cardErrors.serviceUnavailable();
    if (entry.busy) throw cardErrors.readerBusy('in use by this terminal');
    entry.busy = true;
    try {
      const reader = entry.reader;
      const protocol = await new Promise<number>((resolve, reject) => {
        reader.connect({ share_mode: reader.SCARD_SHARE_EXCLUSIVE, protocol: reader.SCARD_PROTOCOL_T0 | reader.SCARD_PROTOCOL_T1 }, (err, p) => {
          if (err) reject(cardErrorFromPcsc(err, 'connect'));
          else resolve(p);
        });
      });
      const session = new CardSession(reader, protocol, () => entry.state !== null && (entry.state & SCARD_STATE_PRESENT) !== 0);
      try {
        return await fn(session);
      } finally {
        await session.close();
      }
    } finally {
      entry.busy = false;
    }
  }

  close(): void {
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#dropContext();
    this.removeAllListeners();
  }
}

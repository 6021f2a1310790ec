// The one card service the terminal core uses: status, the basic 4 info (identity check), the
// user-authentication certificate and signatures (health-insurance linking), and insert/remove events.
// Results are validated with zod before they leave; PINs are wiped; card data is never logged.
import { EventEmitter } from 'node:events';
import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from 'pino';
import { CardError, cardErrors } from './errors';
import { readAuthCertificate, readJpkiPinTries, sha256DigestInfo, signWithAuthKey } from './jpki';
import { BasicInfo, readBasicInfo, readKenmenPinTries } from './kenmen';
import { PcscManager, type CardSession, type PcscManagerOptions } from './pcsc';
import type { PinBuffer, PinTries } from './pin';

export const PinStatus = z.object({ triesLeft: z.number().int().min(0).max(15), blocked: z.boolean() });
export type PinStatus = z.infer<typeof PinStatus>;

export const ReaderStatus = z.object({ name: z.string(), cardPresent: z.boolean(), atr: z.string().nullable() });

export const CardStatus = z.object({
  readers: z.array(ReaderStatus),
  /** The reader the status is about: the named one, or the one reader holding a card; null if none. */
  reader: z.string().nullable(),
  cardPresent: z.boolean(),
  atr: z.string().nullable(),
  /** Whether the card answered to both My Number card applications; null without a card. */
  myNumberCard: z.boolean().nullable(),
  /** Tries left per PIN, read without spending any; null where the card did not say. */
  pins: z.object({ kenmen: PinStatus.nullable(), jpkiAuth: PinStatus.nullable(), jpkiSign: PinStatus.nullable() }),
});
export type CardStatus = z.infer<typeof CardStatus>;

export { BasicInfo };

export const AuthSignature = z.object({
  /** RSASSA-PKCS1-v1_5 with SHA-256 over the challenge bytes. */
  algorithm: z.literal('RSASSA-PKCS1-v1_5-SHA256'),
  signature: z.instanceof(Uint8Array),
  /** The user-authentication certificate, DER. */
  certificate: z.instanceof(Uint8Array),
});
export type AuthSignature = z.infer<typeof AuthSignature>;

export interface CardOperationOptions {
  /** Reader name; by default the one reader holding a card. */
  reader?: string;
}
export interface PinOperationOptions extends CardOperationOptions {
  /** Staff confirmed the resident understands the card locks if this last try is wrong. */
  confirmLastTry?: boolean;
}

export interface CardServiceEvents {
  'card-inserted': [{ reader: string; atr: string }];
  'card-removed': [{ reader: string }];
  'readers-changed': [{ readers: string[] }];
  'service-lost': [];
  'service-restored': [];
}

export interface CardService {
  status(options?: CardOperationOptions): Promise<CardStatus>;
  /** Whether a reader holds a card, from the readers' own state: opens no card session, so it never makes another operation busy. */
  cardPresent(): Promise<boolean>;
  readBasicInfo(pin: PinBuffer, options?: PinOperationOptions): Promise<BasicInfo>;
  readAuthCertificate(options?: CardOperationOptions): Promise<Uint8Array>;
  signForAuth(challenge: Uint8Array, pin: PinBuffer, options?: PinOperationOptions): Promise<AuthSignature>;
  on<K extends keyof CardServiceEvents>(event: K, listener: (...args: CardServiceEvents[K]) => void): this;
  off<K extends keyof CardServiceEvents>(event: K, listener: (...args: CardServiceEvents[K]) => void): this;
  close(): void;
}

/** Counts of APDUs of the last operation, for the bench and diagnostics. */
export interface OperationStats {
  apdus: number;
  ms: number;
}

function pinStatus(t: PinTries): PinStatus {
  return { triesLeft: t.triesLeft, blocked: t.blocked || t.triesLeft === 0 };
}

export class PcscCardService extends EventEmitter<CardServiceEvents> implements CardService {
  readonly #pcsc: PcscManager;
  readonly #logger: Logger;
  /** The auth certificate of the card now in each reader; dropped the moment the card leaves. */
  readonly #certCache = new Map<string, Uint8Array>();
  lastOperation: OperationStats | null = null;

  constructor(options: PcscManagerOptions) {
    super();
    this.#logger = options.logger;
    this.#pcsc = new PcscManager(options);
    this.#pcsc.on('card-inserted', (e) => this.emit('card-inserted', e));
    this.#pcsc.on('card-removed', (e) => {
      this.#certCache.delete(e.reader);
      this.emit('card-removed', e);
    });
    this.#pcsc.on('readers-changed', (e) => this.emit('readers-changed', e));
    this.#pcsc.on('service-lost', () => {
      this.#certCache.clear();
      this.emit('service-lost');
    });
    this.#pcsc.on('service-restored', () => this.emit('service-restored'));
    this.#pcsc.start();
  }

  /** Waits for readers to report after start or after pcscd came back. */
  settle(timeoutMs?: number): Promise<void> {
    return this.#pcsc.settle(timeoutMs);
  }

  readers() {
    return this.#pcsc.readers();
  }

  async cardPresent(): Promise<boolean> {
    await this.#pcsc.settle();
    return this.#pcsc.readers().some((r) => r.cardPresent);
  }

  async #run<T>(what: string, options: CardOperationOptions, fn: (s: CardSession, reader: string) => Promise<T>): Promise<T> {
    await this.#pcsc.settle();
    const reader = this.#pcsc.pickReader(options.reader);
    if (!reader.cardPresent) throw cardErrors.noCard();
    const started = performance.now();
    let apdus = 0;
    try {
      return await this.#pcsc.withCard(reader.name, async (session) => {
        try {
          return await fn(session, reader.name);
        } finally {
          apdus = session.apduCount;
        }
      });
    } catch (e) {
      const code = e instanceof CardError ? e.code : 'UNEXPECTED';
      this.#logger.info({ op: what, reader: reader.name, code, triesLeft: e instanceof CardError ? e.details.triesLeft : undefined }, 'card operation failed');
      throw e;
    } finally {
      this.lastOperation = { apdus, ms: performance.now() - started };
    }
  }

  async status(options: CardOperationOptions = {}): Promise<CardStatus> {
    await this.#pcsc.settle();
    if (!this.#pcsc.serviceAvailable) throw cardErrors.serviceUnavailable();
    const readers = this.#pcsc.readers();
    let chosen: (typeof readers)[number] | null = null;
    if (options.reader !== undefined) chosen = this.#pcsc.pickReader(options.reader);
    else {
      const withCard = readers.filter((r) => r.cardPresent);
      if (withCard.length > 1) throw cardErrors.severalCards();
      chosen = withCard[0] ?? null;
    }
    const empty = { kenmen: null, jpkiAuth: null, jpkiSign: null };
    if (!chosen || !chosen.cardPresent) {
      return CardStatus.parse({ readers, reader: chosen?.name ?? null, cardPresent: false, atr: null, myNumberCard: null, pins: empty });
    }
    const result = await this.#run('status', { reader: chosen.name }, async (session) => {
      const tryRead = async (fn: () => Promise<PinTries>): Promise<PinStatus | null | 'not-my-number'> => {
        try {
          return pinStatus(await fn());
        } catch (e) {
          if (e instanceof CardError && e.code === 'CARD_NOT_MY_NUMBER_CARD') return 'not-my-number';
          if (e instanceof CardError && e.code === 'CARD_COMMAND_FAILED') return null;
          throw e;
        }
      };
      const kenmen = await tryRead(() => readKenmenPinTries(session));
      const jpkiAuth = await tryRead(() => readJpkiPinTries(session, 'auth'));
      const jpkiSign = jpkiAuth === 'not-my-number' ? 'not-my-number' : await tryRead(() => readJpkiPinTries(session, 'sign'));
      const isMyNumber = kenmen !== 'not-my-number' && jpkiAuth !== 'not-my-number';
      const clean = (p: PinStatus | null | 'not-my-number') => (p === 'not-my-number' ? null : p);
      return { myNumberCard: isMyNumber, pins: { kenmen: clean(kenmen), jpkiAuth: clean(jpkiAuth), jpkiSign: clean(jpkiSign) } };
    });
    return CardStatus.parse({
      readers: this.#pcsc.readers(),
      reader: chosen.name,
      cardPresent: true,
      atr: chosen.atr,
      ...result,
    });
  }

  async readBasicInfo(pin: PinBuffer, options: PinOperationOptions = {}): Promise<BasicInfo> {
    try {
      const info = await this.#run('read-basic-info', options, (session) =>
        readBasicInfo(session, pin, { confirmLastTry: options.confirmLastTry === true }),
      );
      return BasicInfo.parse(info);
    } finally {
      pin.wipe();
    }
  }

  async readAuthCertificate(options: CardOperationOptions = {}): Promise<Uint8Array> {
    return this.#run('read-auth-certificate', options, async (session, reader) => {
      const cached = this.#certCache.get(reader);
      if (cached) return Uint8Array.from(cached);
      const der = await readAuthCertificate(session);
      this.#certCache.set(reader, der);
      return Uint8Array.from(der);
    });
  }

  async signForAuth(challenge: Uint8Array, pin: PinBuffer, options: PinOperationOptions = {}): Promise<AuthSignature> {
    try {
      if (!(challenge instanceof Uint8Array) || challenge.length < 16 || challenge.length > 4096) {
        throw cardErrors.dataInvalid('challenge must be 16–4096 bytes');
      }
      const digestInfo = sha256DigestInfo(challenge);
      const result = await this.#run('sign-for-auth', options, async (session, reader) => {
        let der = this.#certCache.get(reader);
        if (!der) {
          der = await readAuthCertificate(session);
          this.#certCache.set(reader, der);
        }
        const signature = await signWithAuthKey(session, digestInfo, pin, { confirmLastTry: options.confirmLastTry === true });
        // The signature must be as long as the certificate's RSA modulus.
        const key = new X509Certificate(der).publicKey;
        const bits = key.asymmetricKeyDetails?.modulusLength;
        if (key.asymmetricKeyType !== 'rsa' || !bits || signature.length !== Math.ceil(bits / 8)) {
          throw cardErrors.dataInvalid('signature length does not match the certificate key');
        }
        return { signature, certificate: Uint8Array.from(der) };
      });
      return AuthSignature.parse({ algorithm: 'RSASSA-PKCS1-v1_5-SHA256', ...result });
    } finally {
      pin.wipe();
    }
  }

  close(): void {
    this.#certCache.clear();
    this.#pcsc.close();
    this.removeAllListeners();
  }
}

export function createCardService(options: PcscManagerOptions): PcscCardService {
  return new PcscCardService(options);
}

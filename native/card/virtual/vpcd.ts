// Connects a virtual card to vsmartcard's vpcd reader driver (inside pcscd) over TCP. The wire
// protocol: every message is a 2-byte big-endian length and a payload; a 1-byte payload is a control
// message (00 power off, 01 power on, 02 reset — no reply; 04 — reply with the ATR); anything else is
// a command APDU answered with a response APDU. Being connected is "card in the reader".
import { Socket } from 'node:net';
import { PULLED, type VirtualMyNumberCard } from './card';

export interface VpcdOptions {
  host?: string;
  /** vpcd's port for the reader slot; Debian's /etc/reader.conf.d/vpcd uses 35963 (0x8C7B). */
  port?: number;
  /** While "inserted", reconnect this often when pcscd goes away (it restarts). */
  reconnectMs?: number;
}

export const VPCD_DEFAULT_PORT = 35963;

export class VpcdCardConnection {
  readonly #card: VirtualMyNumberCard;
  readonly #host: string;
  readonly #port: number;
  readonly #reconnectMs: number;
  #socket: Socket | null = null;
  #inserted = false;
  #timer: NodeJS.Timeout | null = null;
  #buffer = Buffer.alloc(0);
  #waiters: Array<() => void> = [];

  constructor(card: VirtualMyNumberCard, options: VpcdOptions = {}) {
    this.#card = card;
    this.#host = options.host ?? '127.0.0.1';
    this.#port = options.port ?? VPCD_DEFAULT_PORT;
    this.#reconnectMs = options.reconnectMs ?? 200;
  }

  get connected(): boolean {
    return this.#socket !== null && !this.#socket.connecting && !this.#socket.destroyed;
  }

  /** Puts the card in the reader: connects now and keeps reconnecting until removed. */
  insert(): Promise<void> {
    this.#inserted = true;
    this.#card.reset();
    if (!this.#socket && !this.#timer) this.#connect();
    return this.whenConnected();
  }

  /** Resolves once connected to vpcd. */
  whenConnected(): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Takes the card out of the reader. */
  remove(): void {
    this.#inserted = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#socket?.destroy();
    this.#socket = null;
    this.#card.reset();
  }

  #connect(): void {
    this.#timer = null;
    if (!this.#inserted) return;
    const socket = new Socket();
    this.#socket = socket;
    this.#buffer = Buffer.alloc(0);
    socket.setNoDelay(true);
    socket.on('connect', () => {
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const w of waiters) w();
    });
    socket.on('data', (chunk: Buffer) => this.#onData(socket, chunk));
    socket.on('error', () => {
      // Refused while pcscd is down, or reset when it stops: the close handler retries.
    });
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#card.reset();
      if (this.#inserted && !this.#timer) this.#timer = setTimeout(() => this.#connect(), this.#reconnectMs);
    });
    socket.connect(this.#port, this.#host);
  }

  #onData(socket: Socket, chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    while (this.#buffer.length >= 2) {
      const len = this.#buffer.readUInt16BE(0);
      if (this.#buffer.length < 2 + len) return;
      const payload = new Uint8Array(this.#buffer.subarray(2, 2 + len));
      this.#buffer = this.#buffer.subarray(2 + len);
      if (len === 1) {
        this.#control(socket, payload[0] as number);
        continue;
      }
      const response = this.#card.handle(payload);
      if (response === PULLED) {
        // Pulled out mid-command: the reader sees the card vanish and never gets an answer.
        this.remove();
        return;
      }
      this.#send(socket, response);
    }
  }

  #control(socket: Socket, code: number): void {
    switch (code) {
      case 0x00: // power off
      case 0x01: // power on
      case 0x02: // reset
        this.#card.reset();
        return;
      case 0x04: // get ATR
        this.#send(socket, this.#card.atr);
        return;
      default:
        return;
    }
  }

  #send(socket: Socket, payload: Uint8Array): void {
    const frame = Buffer.alloc(2 + payload.length);
    frame.writeUInt16BE(payload.length, 0);
    frame.set(payload, 2);
    socket.write(frame);
  }

  stop(): void {
    this.remove();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

// ISO/IEC 7816-4 short APDUs: building commands, splitting responses, and the status words the
// My Number card uses. Kept free of PC/SC so the card applications can run over any channel.
import { cardErrors } from './errors';

export const SW = {
  ok: 0x9000,
  endOfFileWarning: 0x6282,
  wrongLength: 0x6700,
  securityNotSatisfied: 0x6982,
  authMethodBlocked: 0x6983,
  referenceDataNotUsable: 0x6984,
  conditionsNotSatisfied: 0x6985,
  commandNotAllowed: 0x6986,
  wrongData: 0x6a80,
  fileNotFound: 0x6a82,
  wrongP1P2: 0x6b00,
  insNotSupported: 0x6d00,
  claNotSupported: 0x6e00,
} as const;

export interface ResponseApdu {
  data: Uint8Array;
  sw: number;
}

/** What the card applications need from a connected card: one command in, one response out. */
export interface CardChannel {
  /** Sends a command APDU; `maxData` is the most response data expected (without the status word). */
  transmit(command: Uint8Array, maxData: number): Promise<ResponseApdu>;
}

export function hex(bytes: Uint8Array | number[]): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
}

export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/[\s:]/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new RangeError('not a hex string');
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
}

export function swHex(sw: number): string {
  return sw.toString(16).padStart(4, '0').toUpperCase();
}

/** Splits a raw response into data and status word; a response shorter than 2 bytes is invalid. */
export function splitResponse(raw: Uint8Array): ResponseApdu {
  if (raw.length < 2) throw cardErrors.commandFailed(`short response (${raw.length} bytes)`);
  const sw1 = raw[raw.length - 2] as number;
  const sw2 = raw[raw.length - 1] as number;
  return { data: raw.slice(0, raw.length - 2), sw: (sw1 << 8) | sw2 };
}

/**
 * A short command APDU. `le` undefined = no Le (case 1/3); `le` 256 is encoded as 00.
 */
export function command(cla: number, ins: number, p1: number, p2: number, data?: Uint8Array, le?: number): Uint8Array {
  const parts = [cla, ins, p1, p2];
  const body: number[] = [];
  if (data && data.length > 0) {
    if (data.length > 255) throw new RangeError('command data longer than a short APDU allows');
    body.push(data.length, ...data);
  }
  if (le !== undefined) {
    if (le < 1 || le > 256) throw new RangeError('Le out of range');
    body.push(le === 256 ? 0 : le);
  }
  return Uint8Array.from([...parts, ...body]);
}

export const apdus = {
  selectDf: (aid: Uint8Array) => command(0x00, 0xa4, 0x04, 0x0c, aid),
  selectEf: (fid: number) => command(0x00, 0xa4, 0x02, 0x0c, Uint8Array.of(fid >> 8, fid & 0xff)),
  readBinary: (offset: number, le: number) => {
    if (offset < 0 || offset > 0x7fff) throw new RangeError('READ BINARY offset out of range');
    return command(0x00, 0xb0, offset >> 8, offset & 0xff, undefined, le);
  },
  /** VERIFY with no data: asks for the tries left without spending one. */
  verifyStatus: () => command(0x00, 0x20, 0x00, 0x80),
  verify: (pin: Uint8Array) => command(0x00, 0x20, 0x00, 0x80, pin),
  /** JPKI COMPUTE DIGITAL SIGNATURE over a DigestInfo (the card applies PKCS#1 v1.5 padding). */
  sign: (digestInfo: Uint8Array) => command(0x80, 0x2a, 0x00, 0x80, digestInfo, 256),
};

/** Throws the card error that fits a status word that should have been 9000. */
export function expectOk(res: ResponseApdu, what: string): Uint8Array {
  if (res.sw === SW.ok) return res.data;
  if (res.sw === SW.securityNotSatisfied) throw cardErrors.pinNotVerified(`${what}: ${swHex(res.sw)}`);
  throw cardErrors.commandFailed(`${what}: ${swHex(res.sw)}`);
}

// A virtual My Number card: answers APDUs the way the public descriptions of the card say it does —
// both applications (JPKI AP and 券面事項入力補助AP), SELECT by AID and by EF, READ BINARY with offsets,
// VERIFY with try counters and blocking (empty VERIFY → 63Cx), and COMPUTE SIGNATURE (80 2A 00 80).
// It holds only invented residents' data and test-only keys.
import { constants, privateEncrypt, type KeyObject } from 'node:crypto';
import { hex } from '../apdu';
import { JPKI_AID, JPKI_EF } from '../jpki';
import { KENMEN_AID, KENMEN_EF, TAG } from '../kenmen';
import { concatBytes, encodeTlv } from '../tlv';
import type { CardKeys, CardProfile } from './profile';

/** The ATR a My Number card answers with (OpenSC's JPKI ATR table). */
export const MY_NUMBER_ATR = Uint8Array.of(0x3b, 0xe0, 0x00, 0xff, 0x81, 0x31, 0xfe, 0x45, 0x14);

type PinId = 'kenmen' | 'jpkiAuth' | 'jpkiSign';

type Ef =
  | { kind: 'binary'; data: Uint8Array; pin?: PinId }
  | { kind: 'pin'; pin: PinId }
  | { kind: 'key'; key: KeyObject; pin: PinId };

interface Pin {
  value: Uint8Array;
  max: number;
  left: number;
}

export interface CardFaults {
  /** Serve a basic-4 EF whose inner address length runs past its container. */
  malformedBasicInfo?: boolean;
  /** Pull the card out (drop the reader connection) instead of answering the Nth READ BINARY from now. */
  removeOnReadBinary?: number;
}

export interface InitialTries {
  kenmen?: number;
  jpkiAuth?: number;
  jpkiSign?: number;
}

/** What `handle` returns when a fault says the card leaves the reader instead of answering. */
export const PULLED = Symbol('pulled');

const SW_OK = [0x90, 0x00];

function sw(code: number): Uint8Array {
  return Uint8Array.of(code >> 8, code & 0xff);
}

function ok(data: Uint8Array = new Uint8Array()): Uint8Array {
  return concatBytes(data, Uint8Array.from(SW_OK));
}

const enc = new TextEncoder();

/** EF 0002 of the 券面事項入力補助AP: FF20 { DF21 offsets, DF22 name, DF23 address, DF24 birth, DF25 sex }. */
export function buildBasicInfoFile(profile: CardProfile, malformed = false): Uint8Array {
  const address = enc.encode(profile.address);
  const fields = [
    encodeTlv(TAG.name, enc.encode(profile.name)),
    // The fault claims 40 more address bytes than follow, so the address runs past the outer TLV.
    malformed ? concatBytes(tlvHeader(TAG.address, address.length + 40), address) : encodeTlv(TAG.address, address),
    encodeTlv(TAG.birthDate, enc.encode(profile.birthDate)),
    encodeTlv(TAG.sex, enc.encode(profile.sex)),
  ];
  // DF21 holds 16-bit offsets of the four fields within the file (its exact meaning is not public;
  // readers only check its shape).
  const offsetsTlvLength = 3 + 8;
  const outerValueLength = offsetsTlvLength + fields.reduce((n, f) => n + f.length, 0);
  const outerHeader = tlvHeader(TAG.basicInfo, outerValueLength).length;
  const offsets = new Uint8Array(8);
  let pos = outerHeader + offsetsTlvLength;
  fields.forEach((f, i) => {
    offsets[i * 2] = pos >> 8;
    offsets[i * 2 + 1] = pos & 0xff;
    pos += f.length;
  });
  return encodeTlv(TAG.basicInfo, concatBytes(encodeTlv(TAG.offsets, offsets), ...fields));
}

function tlvHeader(tag: number, length: number): Uint8Array {
  const whole = encodeTlv(tag, new Uint8Array(length));
  return whole.slice(0, whole.length - length);
}

/** EF 0001 of the 券面事項入力補助AP: FF10 + 12 digits. Profiles only carry numbers that fail the check digit. */
function buildMyNumberFile(profile: CardProfile): Uint8Array {
  return encodeTlv(0xff10, enc.encode(profile.fakeMyNumber));
}

function der(cert: { raw: Buffer }): Uint8Array {
  return new Uint8Array(cert.raw);
}

export class VirtualMyNumberCard {
  readonly profile: CardProfile;
  readonly keys: CardKeys;
  readonly faults: CardFaults = {};
  readonly #dfs = new Map<string, Map<number, Ef>>();
  readonly #pins: Record<PinId, Pin>;
  #df: string | null = null;
  #ef: Ef | null = null;
  #verified = new Set<PinId>();
  /** Commands handled since creation (all, including ones answered with an error). */
  commandCount = 0;
  /** VERIFY commands that carried a PIN (each could spend a try). */
  verifyAttempts = 0;

  constructor(profile: CardProfile, keys: CardKeys, tries: InitialTries = {}) {
    this.profile = profile;
    this.keys = keys;
    const pin4 = enc.encode(profile.pin);
    this.#pins = {
      kenmen: { value: pin4, max: 3, left: tries.kenmen ?? 3 },
      jpkiAuth: { value: Uint8Array.from(pin4), max: 3, left: tries.jpkiAuth ?? 3 },
      jpkiSign: { value: enc.encode(profile.signingPin), max: 5, left: tries.jpkiSign ?? 5 },
    };
    this.#dfs.set(
      hex(KENMEN_AID),
      new Map<number, Ef>([
        [KENMEN_EF.myNumber, { kind: 'binary', data: buildMyNumberFile(profile), pin: 'kenmen' }],
        [KENMEN_EF.basicInfo, { kind: 'binary', data: new Uint8Array(), pin: 'kenmen' }],
        [KENMEN_EF.pin, { kind: 'pin', pin: 'kenmen' }],
      ]),
    );
    const token = new Uint8Array(32).fill(0x20);
    token.set(enc.encode('JPKIAPICCTOKEN2'));
    this.#dfs.set(
      hex(JPKI_AID),
      new Map<number, Ef>([
        [JPKI_EF.token, { kind: 'binary', data: token }],
        [JPKI_EF.authCert, { kind: 'binary', data: der(keys.authCertificate) }],
        [JPKI_EF.authCaCert, { kind: 'binary', data: der(keys.caCertificate) }],
        [JPKI_EF.authPin, { kind: 'pin', pin: 'jpkiAuth' }],
        [JPKI_EF.authKey, { kind: 'key', key: keys.authKey, pin: 'jpkiAuth' }],
        [JPKI_EF.signCert, { kind: 'binary', data: der(keys.signCertificate), pin: 'jpkiSign' }],
        [JPKI_EF.signCaCert, { kind: 'binary', data: der(keys.caCertificate) }],
        [JPKI_EF.signPin, { kind: 'pin', pin: 'jpkiSign' }],
        [JPKI_EF.signKey, { kind: 'key', key: keys.signKey, pin: 'jpkiSign' }],
      ]),
    );
  }

  get atr(): Uint8Array {
    return MY_NUMBER_ATR;
  }

  triesLeft(pin: PinId): number {
    return this.#pins[pin].left;
  }

  /** Power off/on or reset: the security state (selected files, verified PINs) is gone. */
  reset(): void {
    this.#df = null;
    this.#ef = null;
    this.#verified.clear();
  }

  handle(apdu: Uint8Array): Uint8Array | typeof PULLED {
    this.commandCount += 1;
    if (apdu.length < 4) return sw(0x6700);
    const [cla, ins, p1, p2] = apdu as unknown as [number, number, number, number];
    let data: Uint8Array = new Uint8Array();
    let le: number | undefined;
    if (apdu.length === 5) le = apdu[4] === 0 ? 256 : apdu[4];
    else if (apdu.length > 5) {
      const lc = apdu[4] as number;
      if (lc === 0 || apdu.length < 5 + lc || apdu.length > 6 + lc) return sw(0x6700);
      data = apdu.subarray(5, 5 + lc);
      if (apdu.length === 6 + lc) le = apdu[5 + lc] === 0 ? 256 : apdu[5 + lc];
    }
    if (cla === 0x00 && ins === 0xa4) return this.#select(p1, p2, data);
    if (cla === 0x00 && ins === 0xb0) return this.#readBinary(p1, p2, le);
    if (cla === 0x00 && ins === 0x20) return this.#verify(p1, p2, data);
    if (cla === 0x80 && ins === 0x2a) return this.#sign(p1, p2, data);
    if (cla !== 0x00 && cla !== 0x80) return sw(0x6e00);
    return sw(0x6d00);
  }

  #select(p1: number, p2: number, data: Uint8Array): Uint8Array {
    if (p2 !== 0x0c) return sw(0x6a86);
    if (p1 === 0x04) {
      const df = hex(data);
      if (!this.#dfs.has(df)) return sw(0x6a82);
      // Leaving an application drops what was verified in it.
      if (this.#df !== df) this.#verified.clear();
      this.#df = df;
      this.#ef = null;
      return ok();
    }
    if (p1 === 0x02) {
      if (data.length !== 2 || this.#df === null) return sw(0x6a82);
      const ef = this.#dfs.get(this.#df)?.get(((data[0] as number) << 8) | (data[1] as number));
      if (!ef) return sw(0x6a82);
      this.#ef = ef;
      return ok();
    }
    return sw(0x6a86);
  }

  #readBinary(p1: number, p2: number, le: number | undefined): Uint8Array | typeof PULLED {
    if (this.faults.removeOnReadBinary !== undefined) {
      this.faults.removeOnReadBinary -= 1;
      if (this.faults.removeOnReadBinary <= 0) {
        delete this.faults.removeOnReadBinary;
        return PULLED;
      }
    }
    if (p1 & 0x80) return sw(0x6a81);
    const ef = this.#ef;
    if (!ef) return sw(0x6986);
    if (ef.kind !== 'binary') return sw(0x6981);
    if (ef.pin && !this.#verified.has(ef.pin)) return sw(0x6982);
    const file = ef.data.length === 0 ? buildBasicInfoFile(this.profile, this.faults.malformedBasicInfo === true) : ef.data;
    const offset = (p1 << 8) | p2;
    if (offset >= file.length) return sw(0x6b00);
    const want = le ?? 256;
    const out = file.subarray(offset, Math.min(file.length, offset + want));
    if (out.length < want) return concatBytes(out, sw(0x6282));
    return ok(out);
  }

  #verify(p1: number, p2: number, data: Uint8Array): Uint8Array {
    if (p1 !== 0x00 || p2 !== 0x80) return sw(0x6a86);
    const ef = this.#ef;
    if (!ef || ef.kind !== 'pin') return sw(0x6986);
    const pin = this.#pins[ef.pin];
    if (data.length === 0) return sw(0x63c0 | pin.left);
    this.verifyAttempts += 1;
    if (pin.left === 0) return sw(0x6984);
    const match = data.length === pin.value.length && data.every((b, i) => b === pin.value[i]);
    if (match) {
      pin.left = pin.max;
      this.#verified.add(ef.pin);
      return ok();
    }
    pin.left -= 1;
    this.#verified.delete(ef.pin);
    return sw(0x63c0 | pin.left);
  }

  #sign(p1: number, p2: number, data: Uint8Array): Uint8Array {
    if (p1 !== 0x00 || p2 !== 0x80) return sw(0x6a86);
    const ef = this.#ef;
    if (!ef || ef.kind !== 'key') return sw(0x6986);
    if (!this.#verified.has(ef.pin)) return sw(0x6982);
    const modulusBytes = Math.ceil((ef.key.asymmetricKeyDetails?.modulusLength ?? 2048) / 8);
    if (data.length === 0 || data.length > modulusBytes - 11) return sw(0x6700);
    // The card pads the DigestInfo with PKCS#1 v1.5 (block type 1) and applies the private key.
    const signature = privateEncrypt({ key: ef.key, padding: constants.RSA_PKCS1_PADDING }, data);
    return ok(new Uint8Array(signature));
  }
}

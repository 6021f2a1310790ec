// PIN safety. A My Number card locks after 3 wrong PINs (5 for the signing PIN) and only a city office
// can unlock it, so: the tries left are read before every VERIFY without spending one; the last try
// is spent only with an explicit confirmation from staff; nothing here ever retries by itself; and
// PIN bytes are overwritten as soon as they have been sent.
import { apdus, swHex, SW, type CardChannel } from './apdu';
import { cardErrors, type PinKind } from './errors';

/**
 * The PIN as bytes we can wipe. JavaScript strings cannot be overwritten, so the PIN should become a
 * PinBuffer as early as possible and the string dropped; the buffer is wiped after one use.
 */
export class PinBuffer {
  #bytes: Uint8Array;
  #wiped = false;

  private constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /** A 4-digit PIN (券面事項入力補助用 and 利用者証明用). */
  static digits4(pin: string | Uint8Array): PinBuffer {
    const bytes = typeof pin === 'string' ? new TextEncoder().encode(pin) : Uint8Array.from(pin);
    if (bytes.length !== 4 || !bytes.every((b) => b >= 0x30 && b <= 0x39)) {
      bytes.fill(0);
      throw cardErrors.pinFormat('kenmen');
    }
    return new PinBuffer(bytes);
  }

  /** The signing PIN: 6–16 characters, A–Z and 0–9. */
  static signing(pin: string | Uint8Array): PinBuffer {
    const bytes = typeof pin === 'string' ? new TextEncoder().encode(pin) : Uint8Array.from(pin);
    const ok = bytes.length >= 6 && bytes.length <= 16 && bytes.every((b) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a));
    if (!ok) {
      bytes.fill(0);
      throw cardErrors.pinFormat('jpkiSign');
    }
    return new PinBuffer(bytes);
  }

  get wiped(): boolean {
    return this.#wiped;
  }

  /** Lends the bytes to `fn`, then wipes them whatever happens. A PinBuffer is good for one use. */
  async use<T>(fn: (bytes: Uint8Array) => Promise<T>): Promise<T> {
    if (this.#wiped) throw new Error('PIN buffer already used');
    try {
      return await fn(this.#bytes);
    } finally {
      this.wipe();
    }
  }

  wipe(): void {
    this.#bytes.fill(0);
    this.#wiped = true;
  }

  /** Keeps the PIN out of logs and JSON even if someone passes the object along. */
  toJSON(): string {
    return '[PIN]';
  }
  toString(): string {
    return '[PIN]';
  }
}

export interface PinPolicy {
  kind: PinKind;
  /** The PIN EF inside the currently selected application. */
  ef: number;
}

export interface PinTries {
  triesLeft: number;
  blocked: boolean;
}

function isBlockedSw(sw: number): boolean {
  return sw === SW.authMethodBlocked || sw === SW.referenceDataNotUsable || sw === 0x63c0;
}

/**
 * Reads the tries left on a PIN without spending one: SELECT the PIN EF, then VERIFY with no data
 * (answer 63Cx, x = tries left). The application must already be selected.
 */
export async function readPinTries(channel: CardChannel, policy: PinPolicy): Promise<PinTries> {
  const sel = await channel.transmit(apdus.selectEf(policy.ef), 0);
  if (sel.sw !== SW.ok) throw cardErrors.commandFailed(`select PIN EF: ${swHex(sel.sw)}`);
  const res = await channel.transmit(apdus.verifyStatus(), 0);
  if (isBlockedSw(res.sw)) return { triesLeft: 0, blocked: true };
  if ((res.sw & 0xfff0) === 0x63c0) return { triesLeft: res.sw & 0x0f, blocked: false };
  // A card that does not report its counter: we cannot know how close it is to locking.
  throw cardErrors.commandFailed(`PIN status: ${swHex(res.sw)}`);
}

export interface VerifyOptions {
  /** Staff confirmed that the resident understands the card locks if this last try is wrong. */
  confirmLastTry?: boolean;
}

/**
 * Verifies a PIN once, safely. Never sends VERIFY to a blocked PIN; never spends the last try
 * without `confirmLastTry`; never retries. The PIN buffer is wiped before this returns or throws.
 */
export async function verifyPinSafely(
  channel: CardChannel,
  policy: PinPolicy,
  pin: PinBuffer,
  options: VerifyOptions = {},
): Promise<void> {
  try {
    const tries = await readPinTries(channel, policy);
    if (tries.blocked || tries.triesLeft === 0) throw cardErrors.pinBlocked(policy.kind);
    if (tries.triesLeft === 1 && options.confirmLastTry !== true) throw cardErrors.pinLastTry(policy.kind);
    // The PIN EF is still the current EF after the status query, so VERIFY applies to it.
    const res = await pin.use(async (bytes) => {
      const cmd = apdus.verify(bytes);
      try {
        return await channel.transmit(cmd, 0);
      } finally {
        cmd.fill(0);
      }
    });
    if (res.sw === SW.ok) return;
    if (isBlockedSw(res.sw)) throw cardErrors.pinBlocked(policy.kind);
    if ((res.sw & 0xfff0) === 0x63c0) throw cardErrors.pinWrong(policy.kind, res.sw & 0x0f);
    throw cardErrors.commandFailed(`VERIFY: ${swHex(res.sw)}`);
  } finally {
    pin.wipe();
  }
}

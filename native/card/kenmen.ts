// 券面事項入力補助AP (card-info input support application): the basic 4 info (基本4情報) — name,
// address, birth date, sex — after the 4-digit PIN. The My Number EF (0001) is never read here.
import { z } from 'zod';
import { apdus, expectOk, swHex, SW, type CardChannel } from './apdu';
import { cardErrors } from './errors';
import { readPinTries, verifyPinSafely, type PinBuffer, type PinPolicy, type PinTries, type VerifyOptions } from './pin';
import { parseTlv, readHeader, TlvError, type TlvNode } from './tlv';

export const KENMEN_AID = Uint8Array.of(0xd3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08);
export const KENMEN_EF = { myNumber: 0x0001, basicInfo: 0x0002, pin: 0x0011 } as const;
export const KENMEN_PIN: PinPolicy = { kind: 'kenmen', ef: KENMEN_EF.pin };

export const TAG = {
  basicInfo: 0xff20,
  offsets: 0xdf21,
  name: 0xdf22,
  address: 0xdf23,
  birthDate: 0xdf24,
  sex: 0xdf25,
} as const;

export const Sex = z.enum(['male', 'female', 'not_applicable']);
export type Sex = z.infer<typeof Sex>;

export const BasicInfo = z.object({
  name: z.string().min(1).max(200),
  address: z.string().min(1).max(400),
  birthDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  sex: Sex,
});
export type BasicInfo = z.infer<typeof BasicInfo>;

/** The basic-4 EF is small; anything larger than this is not the file we expect. */
const MAX_BASIC_INFO_BYTES = 2048;
/** Longest BER header for FF 20: two tag bytes and 82 hh ll. */
const HEADER_PROBE = 5;

export async function selectKenmen(channel: CardChannel): Promise<void> {
  const res = await channel.transmit(apdus.selectDf(KENMEN_AID), 0);
  if (res.sw === SW.fileNotFound || res.sw === SW.wrongData || res.sw === SW.insNotSupported || res.sw === SW.claNotSupported) {
    throw cardErrors.notMyNumberCard();
  }
  expectOk(res, 'select 券面事項入力補助AP');
}

export async function readKenmenPinTries(channel: CardChannel): Promise<PinTries> {
  await selectKenmen(channel);
  return readPinTries(channel, KENMEN_PIN);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function text(node: TlvNode, field: string): string {
  let s: string;
  try {
    s = strictUtf8.decode(node.value);
  } catch {
    throw cardErrors.dataInvalid(`${field}: not UTF-8`);
  }
  // Trailing padding is not part of the value; control characters never are.
  s = s.replace(/[ \u3000]+$/u, '');
  if (s.length === 0 || /[\u0000-\u001f\u007f]/u.test(s)) throw cardErrors.dataInvalid(`${field}: empty or control characters`);
  return s;
}

function birthDate(node: TlvNode): string {
  // The card stores the birth date as 8 ASCII digits, YYYYMMDD (Western calendar).
  const raw = node.value;
  if (raw.length !== 8 || !raw.every((b) => b >= 0x30 && b <= 0x39)) throw cardErrors.dataInvalid('birth date: not 8 digits');
  const s = String.fromCharCode(...raw);
  const y = Number(s.slice(0, 4));
  const m = Number(s.slice(4, 6));
  const d = Number(s.slice(6, 8));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1850 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    throw cardErrors.dataInvalid('birth date: not a calendar date');
  }
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
}

function sex(node: TlvNode): Sex {
  // ISO/IEC 5218 code as one ASCII digit.
  if (node.value.length !== 1) throw cardErrors.dataInvalid('sex: not one byte');
  switch (node.value[0]) {
    case 0x31:
      return 'male';
    case 0x32:
      return 'female';
    case 0x39:
      return 'not_applicable';
    default:
      throw cardErrors.dataInvalid('sex: not an ISO 5218 code the card uses');
  }
}

/** Parses the whole basic-4 EF strictly. Any defect is CARD_DATA_INVALID; no partial record escapes. */
export function parseBasicInfo(file: Uint8Array): BasicInfo {
  let root: TlvNode;
  try {
    root = parseTlv(file);
  } catch (e) {
    if (e instanceof TlvError) throw cardErrors.dataInvalid(`basic info: ${e.message}`);
    throw e;
  }
  if (root.tag !== TAG.basicInfo || !root.children) throw cardErrors.dataInvalid('basic info: outer tag is not FF20');
  const seen = new Map<number, TlvNode>();
  for (const child of root.children) {
    if (seen.has(child.tag)) throw cardErrors.dataInvalid(`basic info: tag ${child.tag.toString(16)} twice`);
    seen.set(child.tag, child);
  }
  const get = (tag: number, field: string): TlvNode => {
    const node = seen.get(tag);
    if (!node || node.constructed) throw cardErrors.dataInvalid(`basic info: ${field} missing`);
    return node;
  };
  const offsets = seen.get(TAG.offsets);
  if (offsets && offsets.value.length % 2 !== 0) throw cardErrors.dataInvalid('basic info: offsets of odd length');
  const parsed = BasicInfo.safeParse({
    name: text(get(TAG.name, 'name'), 'name'),
    address: text(get(TAG.address, 'address'), 'address'),
    birthDate: birthDate(get(TAG.birthDate, 'birth date')),
    sex: sex(get(TAG.sex, 'sex')),
  });
  if (!parsed.success) throw cardErrors.dataInvalid('basic info: out of range');
  return parsed.data;
}

/** Reads a transparent EF whose content is one BER-TLV, using its own length to know how far to read. */
export async function readTlvFile(channel: CardChannel, maxBytes: number, what: string): Promise<Uint8Array> {
  const head = expectOk(await channel.transmit(apdus.readBinary(0, HEADER_PROBE), HEADER_PROBE), `read ${what}`);
  let total: number;
  try {
    const h = readHeader(head, 0);
    total = h.headerLength + h.length;
  } catch (e) {
    if (e instanceof TlvError) throw cardErrors.dataInvalid(`${what}: ${e.message}`);
    throw e;
  }
  if (total > maxBytes) throw cardErrors.dataInvalid(`${what}: declared ${total} bytes`);
  const file = new Uint8Array(total);
  const have = Math.min(head.length, total);
  file.set(head.subarray(0, have), 0);
  let pos = have;
  while (pos < total) {
    const want = Math.min(256, total - pos);
    const chunk = expectOk(await channel.transmit(apdus.readBinary(pos, want), want), `read ${what}`);
    if (chunk.length === 0 || chunk.length > want) throw cardErrors.dataInvalid(`${what}: READ BINARY returned ${chunk.length} of ${want} bytes`);
    file.set(chunk, pos);
    pos += chunk.length;
  }
  return file;
}

/** Reads the basic 4 info: select the AP, check and verify the PIN safely, read EF 0002, parse. */
export async function readBasicInfo(channel: CardChannel, pin: PinBuffer, options: VerifyOptions = {}): Promise<BasicInfo> {
  try {
    await selectKenmen(channel);
  } catch (e) {
    pin.wipe();
    throw e;
  }
  await verifyPinSafely(channel, KENMEN_PIN, pin, options);
  const sel = await channel.transmit(apdus.selectEf(KENMEN_EF.basicInfo), 0);
  if (sel.sw !== SW.ok) throw cardErrors.commandFailed(`select basic info: ${swHex(sel.sw)}`);
  const file = await readTlvFile(channel, MAX_BASIC_INFO_BYTES, 'basic info');
  try {
    return parseBasicInfo(file);
  } finally {
    file.fill(0);
  }
}

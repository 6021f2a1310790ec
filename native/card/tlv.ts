// Strict BER-TLV (ISO/IEC 7816-4 / X.690 definite lengths) for data read from a card.
// Card bytes are untrusted: every length is checked against the bytes actually present, and anything
// malformed is a TlvError — never a crash, never a partially filled record.

export class TlvError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} (offset ${offset})`);
    this.name = 'TlvError';
  }
}

export interface TlvNode {
  /** The tag as its raw bytes read as one big-endian number, e.g. 0xFF20, 0xDF22, 0x30. */
  tag: number;
  constructed: boolean;
  /** Offset of the first tag byte in the parsed buffer. */
  offset: number;
  headerLength: number;
  value: Uint8Array;
  /** Present for constructed tags: the strictly parsed children. */
  children?: TlvNode[];
}

export interface TlvHeader {
  tag: number;
  constructed: boolean;
  headerLength: number;
  length: number;
}

/** Deep enough for any card file we read; a deeper structure is treated as malformed. */
const MAX_DEPTH = 8;
/** Longest tag we accept (3 bytes covers tag numbers up to 16383). */
const MAX_TAG_BYTES = 3;
/** Longest length field we accept: 0x83 + 3 bytes (16 MiB) — far beyond any EF. */
const MAX_LENGTH_BYTES = 3;

/**
 * Reads one TLV header at `offset`. Throws TlvError when the header itself is cut short or uses a
 * form we do not accept (indefinite length, over-long tags or lengths). Does not check the value.
 */
export function readHeader(buf: Uint8Array, offset = 0): TlvHeader {
  let pos = offset;
  const first = buf[pos];
  if (first === undefined) throw new TlvError('TLV header truncated: no tag byte', pos);
  // 00 is padding in ISO 7816-4 files, never a tag. (FF is too in the standard, but the My Number
  // card uses FF 20 as a two-byte private tag, so FF is read as the start of a multi-byte tag.)
  if (first === 0x00) throw new TlvError('TLV tag 00 is padding, not data', pos);
  let tag = first;
  pos += 1;
  if ((first & 0x1f) === 0x1f) {
    // Multi-byte tag number: continuation bytes have bit 8 set; the last one has it clear.
    let tagBytes = 1;
    for (;;) {
      const b = buf[pos];
      if (b === undefined) throw new TlvError('TLV tag truncated', pos);
      tag = tag * 256 + b;
      pos += 1;
      tagBytes += 1;
      if (tagBytes > MAX_TAG_BYTES) throw new TlvError('TLV tag too long', offset);
      if ((b & 0x80) === 0) break;
    }
  }
  const lenByte = buf[pos];
  if (lenByte === undefined) throw new TlvError('TLV length missing', pos);
  pos += 1;
  let length: number;
  if (lenByte < 0x80) {
    length = lenByte;
  } else if (lenByte === 0x80) {
    throw new TlvError('indefinite TLV length is not allowed', pos - 1);
  } else {
    const n = lenByte & 0x7f;
    if (n > MAX_LENGTH_BYTES) throw new TlvError('TLV length field too long', pos - 1);
    length = 0;
    for (let i = 0; i < n; i += 1) {
      const b = buf[pos];
      if (b === undefined) throw new TlvError('TLV length truncated', pos);
      length = length * 256 + b;
      pos += 1;
    }
  }
  return { tag, constructed: (first & 0x20) !== 0, headerLength: pos - offset, length };
}

/** Total size (header + value) of the TLV that starts at the beginning of `prefix`. */
export function totalLength(prefix: Uint8Array): number {
  const h = readHeader(prefix, 0);
  return h.headerLength + h.length;
}

function parseAt(buf: Uint8Array, offset: number, end: number, depth: number): TlvNode {
  const h = readHeader(buf.subarray(0, end), offset);
  const valueStart = offset + h.headerLength;
  const valueEnd = valueStart + h.length;
  if (valueEnd > end) {
    throw new TlvError(`TLV value runs past its container (needs ${h.length} bytes, ${end - valueStart} left)`, offset);
  }
  const node: TlvNode = {
    tag: h.tag,
    constructed: h.constructed,
    offset,
    headerLength: h.headerLength,
    value: buf.subarray(valueStart, valueEnd),
  };
  if (h.constructed) {
    if (depth >= MAX_DEPTH) throw new TlvError('TLV nested too deeply', offset);
    node.children = parseSequence(buf, valueStart, valueEnd, depth + 1);
  }
  return node;
}

function parseSequence(buf: Uint8Array, start: number, end: number, depth: number): TlvNode[] {
  const nodes: TlvNode[] = [];
  let pos = start;
  while (pos < end) {
    const node = parseAt(buf, pos, end, depth);
    nodes.push(node);
    pos = node.offset + node.headerLength + node.value.length;
  }
  return nodes;
}

/** Parses exactly one TLV that must span the whole buffer (no trailing bytes). */
export function parseTlv(buf: Uint8Array): TlvNode {
  if (buf.length === 0) throw new TlvError('empty TLV', 0);
  const node = parseAt(buf, 0, buf.length, 0);
  const consumed = node.headerLength + node.value.length;
  if (consumed !== buf.length) throw new TlvError(`${buf.length - consumed} trailing bytes after TLV`, consumed);
  return node;
}

/** Parses a concatenation of TLVs that must exactly fill the buffer. */
export function parseTlvList(buf: Uint8Array): TlvNode[] {
  return parseSequence(buf, 0, buf.length, 0);
}

function tagBytes(tag: number): number[] {
  if (!Number.isInteger(tag) || tag <= 0 || tag > 0xffffff) throw new RangeError(`bad tag ${tag}`);
  const out: number[] = [];
  let t = tag;
  while (t > 0) {
    out.unshift(t & 0xff);
    t = Math.floor(t / 256);
  }
  return out;
}

function lengthBytes(length: number): number[] {
  if (length < 0x80) return [length];
  if (length <= 0xff) return [0x81, length];
  if (length <= 0xffff) return [0x82, length >> 8, length & 0xff];
  if (length <= 0xffffff) return [0x83, length >> 16, (length >> 8) & 0xff, length & 0xff];
  throw new RangeError('TLV value too long');
}

/** Encodes one TLV with the shortest definite length (used by the virtual card and tests). */
export function encodeTlv(tag: number, value: Uint8Array): Uint8Array {
  const head = [...tagBytes(tag), ...lengthBytes(value.length)];
  const out = new Uint8Array(head.length + value.length);
  out.set(head, 0);
  out.set(value, head.length);
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

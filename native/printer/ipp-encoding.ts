// The IPP/1.1 message format (RFC 8010 §3): a fixed header, attribute groups, an end tag, then the
// document. Written here rather than taken from the `ipp` package because the format is small, the
// package has no types, and we need to decode collections and out-of-band values strictly.

export const GroupTag = {
  operation: 0x01,
  job: 0x02,
  end: 0x03,
  printer: 0x04,
  unsupported: 0x05,
} as const;

export const ValueTag = {
  unsupported: 0x10,
  unknown: 0x12,
  noValue: 0x13,
  integer: 0x21,
  boolean: 0x22,
  enum: 0x23,
  octetString: 0x30,
  dateTime: 0x31,
  resolution: 0x32,
  rangeOfInteger: 0x33,
  begCollection: 0x34,
  textWithLanguage: 0x35,
  nameWithLanguage: 0x36,
  endCollection: 0x37,
  textWithoutLanguage: 0x41,
  nameWithoutLanguage: 0x42,
  keyword: 0x44,
  uri: 0x45,
  uriScheme: 0x46,
  charset: 0x47,
  naturalLanguage: 0x48,
  mimeMediaType: 0x49,
  memberAttrName: 0x4a,
} as const;

export const Operation = {
  printJob: 0x0002,
  cancelJob: 0x0008,
  getJobAttributes: 0x0009,
  getPrinterAttributes: 0x000b,
} as const;

export type IppValue =
  | number
  | boolean
  | string
  | null
  | Uint8Array
  | { lower: number; upper: number }
  | { xres: number; yres: number; units: number }
  | { [member: string]: IppValue[] };

/** One attribute to send; the tag decides how each value is written. */
export interface OutgoingAttribute {
  tag: number;
  name: string;
  values: (string | number | boolean)[];
}

export interface OutgoingGroup {
  tag: number;
  attributes: OutgoingAttribute[];
}

export interface IppRequest {
  version?: [number, number];
  operation: number;
  requestId: number;
  groups: OutgoingGroup[];
  data?: Uint8Array;
}

export interface IppAttributeGroup {
  tag: number;
  attributes: Record<string, IppValue[]>;
}

export interface IppResponse {
  version: [number, number];
  statusCode: number;
  requestId: number;
  groups: IppAttributeGroup[];
  data: Uint8Array;
}

export class IppFormatError extends Error {
  constructor(message: string) {
    super(`IPP message malformed: ${message}`);
  }
}

function encodeValue(tag: number, value: string | number | boolean): Buffer {
  switch (tag) {
    case ValueTag.integer:
    case ValueTag.enum: {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new IppFormatError(`integer expected for tag ${tag}`);
      const b = Buffer.alloc(4);
      b.writeInt32BE(value);
      return b;
    }
    case ValueTag.boolean:
      return Buffer.from([value ? 1 : 0]);
    default:
      if (typeof value !== 'string') throw new IppFormatError(`string expected for tag ${tag}`);
      return Buffer.from(value, 'utf8');
  }
}

function u16(n: number): Buffer {
  if (n > 0xffff) throw new IppFormatError(`field longer than 65535 bytes`);
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

export function encodeRequest(request: IppRequest): Buffer {
  const [major, minor] = request.version ?? [1, 1];
  const header = Buffer.alloc(8);
  header.writeUInt8(major, 0);
  header.writeUInt8(minor, 1);
  header.writeUInt16BE(request.operation, 2);
  header.writeInt32BE(request.requestId, 4);
  const parts: Buffer[] = [header];
  for (const group of request.groups) {
    parts.push(Buffer.from([group.tag]));
    for (const attr of group.attributes) {
      attr.values.forEach((value, i) => {
        const name = i === 0 ? Buffer.from(attr.name, 'utf8') : Buffer.alloc(0);
        const body = encodeValue(attr.tag, value);
        parts.push(Buffer.from([attr.tag]), u16(name.length), name, u16(body.length), body);
      });
    }
  }
  parts.push(Buffer.from([GroupTag.end]));
  if (request.data) parts.push(Buffer.from(request.data.buffer, request.data.byteOffset, request.data.byteLength));
  return Buffer.concat(parts);
}

class Reader {
  offset = 0;
  constructor(private readonly buf: Buffer) {}
  need(n: number): void {
    if (this.offset + n > this.buf.length) throw new IppFormatError(`truncated at byte ${this.offset}`);
  }
  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.offset++);
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }
  peek(): number {
    this.need(1);
    return this.buf.readUInt8(this.offset);
  }
  rest(): Buffer {
    return this.buf.subarray(this.offset);
  }
}

function decodeValue(tag: number, raw: Buffer): IppValue {
  switch (tag) {
    case ValueTag.integer:
    case ValueTag.enum:
      if (raw.length !== 4) throw new IppFormatError(`integer of length ${raw.length}`);
      return raw.readInt32BE(0);
    case ValueTag.boolean:
      if (raw.length !== 1) throw new IppFormatError(`boolean of length ${raw.length}`);
      return raw[0] !== 0;
    case ValueTag.rangeOfInteger:
      if (raw.length !== 8) throw new IppFormatError(`range of length ${raw.length}`);
      return { lower: raw.readInt32BE(0), upper: raw.readInt32BE(4) };
    case ValueTag.resolution:
      if (raw.length !== 9) throw new IppFormatError(`resolution of length ${raw.length}`);
      return { xres: raw.readInt32BE(0), yres: raw.readInt32BE(4), units: raw.readInt8(8) };
    case ValueTag.dateTime: {
      if (raw.length !== 11) throw new IppFormatError(`dateTime of length ${raw.length}`);
      const utcOffsetMin = (raw[8] === 0x2d ? -1 : 1) * (raw.readUInt8(9) * 60 + raw.readUInt8(10));
      const ms = Date.UTC(raw.readUInt16BE(0), raw.readUInt8(2) - 1, raw.readUInt8(3), raw.readUInt8(4), raw.readUInt8(5), raw.readUInt8(6), raw.readUInt8(7) * 100);
      return new Date(ms - utcOffsetMin * 60_000).toISOString();
    }
    case ValueTag.octetString:
      return new Uint8Array(raw);
    case ValueTag.unsupported:
    case ValueTag.unknown:
    case ValueTag.noValue:
      return null;
    case ValueTag.textWithLanguage:
    case ValueTag.nameWithLanguage: {
      // language (u16 + bytes) then the text (u16 + bytes); the language is not needed here.
      const r = new Reader(raw);
      r.bytes(r.u16());
      return r.bytes(r.u16()).toString('utf8');
    }
    default:
      return raw.toString('utf8');
  }
}

/** Reads the members of a collection until its endCollection; the begCollection was already consumed. */
function decodeCollection(r: Reader): { [member: string]: IppValue[] } {
  const members: { [member: string]: IppValue[] } = {};
  let current: string | undefined;
  for (;;) {
    const tag = r.u8();
    r.bytes(r.u16()); // member values carry an empty name
    if (tag === ValueTag.endCollection) {
      r.bytes(r.u16());
      return members;
    }
    if (tag === ValueTag.memberAttrName) {
      current = r.bytes(r.u16()).toString('utf8');
      members[current] = [];
      continue;
    }
    if (current === undefined) throw new IppFormatError('collection value without a member name');
    const value = tag === ValueTag.begCollection ? (r.bytes(r.u16()), decodeCollection(r)) : decodeValue(tag, r.bytes(r.u16()));
    members[current]!.push(value);
  }
}

/** A response has a request's layout, with the status code where a request has its operation (RFC 8010 §3.1.1). */
export function encodeResponse(response: { statusCode: number; requestId: number; groups: OutgoingGroup[]; version?: [number, number] }): Buffer {
  return encodeRequest({ operation: response.statusCode, requestId: response.requestId, groups: response.groups, ...(response.version ? { version: response.version } : {}) });
}

export function decodeResponse(buf: Buffer): IppResponse {
  const r = new Reader(buf);
  const version: [number, number] = [r.u8(), r.u8()];
  const statusCode = r.u16();
  const requestId = r.i32();
  const groups: IppAttributeGroup[] = [];
  let group: IppAttributeGroup | undefined;
  let lastName: string | undefined;
  for (;;) {
    const tag = r.u8();
    if (tag === GroupTag.end) break;
    if (tag < 0x10) {
      group = { tag, attributes: {} };
      groups.push(group);
      lastName = undefined;
      continue;
    }
    if (!group) throw new IppFormatError('attribute before any group');
    const nameLen = r.u16();
    const name = nameLen > 0 ? r.bytes(nameLen).toString('utf8') : lastName;
    if (name === undefined) throw new IppFormatError('additional value without an attribute');
    const value = tag === ValueTag.begCollection ? (r.bytes(r.u16()), decodeCollection(r)) : decodeValue(tag, r.bytes(r.u16()));
    if (nameLen > 0) group.attributes[name] = [value];
    else group.attributes[name]!.push(value);
    lastName = name;
  }
  return { version, statusCode, requestId, groups, data: new Uint8Array(r.rest()) };
}

/** The first group of a kind (operation, job, printer) flattened to name → values. */
export function groupOf(response: IppResponse, tag: number): Record<string, IppValue[]> {
  return response.groups.find((g) => g.tag === tag)?.attributes ?? {};
}

/** RFC 8011 status-code names we act on; the rest are reported by number. */
export function isSuccess(statusCode: number): boolean {
  return statusCode >= 0x0000 && statusCode <= 0x00ff;
}

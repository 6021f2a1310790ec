// り災証明書 fixtures: an invented applicant, and JPEG-shaped photos of a chosen size (a real JPEG
// header with the frame's width and height, then seeded bytes): the vehicle reads the header only.
import { createHash } from 'node:crypto';
import type { RisaiApplicationInput } from '../../protocol/disaster';

/** A JPEG of exactly `bytes` bytes whose frame header says `width`×`height`; its body comes from `seed`. */
export function fakeJpeg(width: number, height: number, bytes: number, seed = 1): Buffer {
  const head = Buffer.from([
    0xff, 0xd8,
    // APP0 JFIF
    0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
    // SOF0: precision 8, height, width, 3 components
    0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01,
    // SOS
    0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3f, 0x00,
  ]);
  const tail = Buffer.from([0xff, 0xd9]);
  const body = Buffer.alloc(bytes - head.length - tail.length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < body.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    // Entropy-coded data has no bare 0xFF.
    body[i] = (s >>> 16) % 255;
  }
  return Buffer.concat([head, body, tail]);
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** An invented resident's application after a typhoon: flooded above the floor, proxy with 委任状. */
export function risaiApplication(disasterId: string, overrides: Partial<RisaiApplicationInput> = {}): RisaiApplicationInput {
  return {
    disasterId,
    applicant: { name: '小名浜 春子', kana: 'おなはま はるこ', birthDate: '1951-06-01', address: 'いわき市平字試験町1-2-3', phone: '0246-22-0000' },
    relation: 'occupant',
    proxyLetter: false,
    property: { address: 'いわき市平字試験町1-2-3', district: '平', use: 'dwelling', structure: 'wood' },
    damage: { flooding: { level: 'above_floor', depthCm: 45 }, earthquakeParts: [], description: '台所と居間が床上まで浸水しました。' },
    survey: 'self_assessment',
    delivery: 'next_visit',
    ...overrides,
  };
}

import { describe, expect, it } from 'vitest';
import { parseStatusBytes, problemsFromEscpos } from '../../native/printer/escpos-status';

const codes = (bytes: number[]) => problemsFromEscpos(parseStatusBytes(Uint8Array.from(bytes))).map((p) => `${p.code}:${p.blocking}`);

describe('DLE EOT status bytes', () => {
  it('reads 0x12 0x12 0x12 as a printer with nothing wrong', () => {
    expect(codes([0x12, 0x12, 0x12])).toEqual([]);
  });

  it('reads roll sensor 0x60 (and offline cause bit 5) as paper end, which blocks printing', () => {
    expect(codes([0x1a, 0x32, 0x72])).toEqual(['paper-end:true']);
  });

  it('reads roll sensor 0x0C as near end, a warning that does not block', () => {
    expect(codes([0x12, 0x12, 0x1e])).toEqual(['paper-near-end:false']);
  });

  it('reads offline cause bit 2 as cover open and does not also report the offline bit it explains', () => {
    expect(codes([0x1a, 0x16, 0x12])).toEqual(['cover-open:true']);
  });

  it('reads the offline bit alone as offline, and bit 6 as an error', () => {
    expect(codes([0x1a, 0x12, 0x12])).toEqual(['offline:true']);
    expect(codes([0x1a, 0x52, 0x12])).toEqual(['error:true']);
  });

  it('refuses bytes whose fixed bits are wrong instead of guessing (a stream out of step)', () => {
    expect(() => parseStatusBytes(Uint8Array.from([0x00, 0x12, 0x12]))).toThrow(/DLE EOT/);
    expect(() => parseStatusBytes(Uint8Array.from([0x12, 0x93, 0x12]))).toThrow();
    expect(() => parseStatusBytes(Uint8Array.from([0x12, 0x12]))).toThrow();
  });

  it('gives staff a Japanese message that says what to do', () => {
    const [p] = problemsFromEscpos(parseStatusBytes(Uint8Array.from([0x1a, 0x32, 0x72])));
    expect(p?.message).toBe('レシート用紙がありません。ロール紙を補充してください。');
  });
});

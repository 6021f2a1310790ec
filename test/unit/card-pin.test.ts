// PIN logic against the virtual card's command handler in-process (the same card the integration
// tests reach through pcscd), so each status word path is pinned without a reader.
import { describe, expect, it } from 'vitest';
import { splitResponse, type CardChannel } from '../../native/card/apdu';
import { readBasicInfo } from '../../native/card/kenmen';
import { PinBuffer } from '../../native/card/pin';
import { loadKeys, loadProfile, VirtualMyNumberCard, isValidMyNumber } from '../../native/card/virtual/index';

const profile = loadProfile('watanabe-sora');
const newCard = (tries = {}) => new VirtualMyNumberCard(profile, loadKeys(profile.id), tries);

describe('PIN handling', () => {
  it('queries the tries before VERIFY and overwrites the PIN bytes of the sent command afterwards', async () => {
    const copies: Uint8Array[] = [];
    const originals: Uint8Array[] = [];
    const card = newCard();
    const ch: CardChannel = {
      async transmit(cmd) {
        originals.push(cmd);
        copies.push(Uint8Array.from(cmd));
        return splitResponse(card.handle(cmd) as Uint8Array);
      },
    };
    await readBasicInfo(ch, PinBuffer.digits4(profile.pin));
    const firstVerify = copies.findIndex((c) => c[1] === 0x20);
    expect(copies[firstVerify]?.length).toBe(4); // empty VERIFY: reads the tries, spends none
    expect(copies[firstVerify + 1]?.length).toBe(9); // then the VERIFY with the 4 digits
    expect(Array.from(originals[firstVerify + 1] as Uint8Array).every((b) => b === 0)).toBe(true);
  });

  it('PinBuffer can be used once, hides itself from logs and wipes its bytes', async () => {
    const pin = PinBuffer.digits4('1234');
    expect(JSON.stringify({ pin })).toBe('{"pin":"[PIN]"}');
    expect(String(pin)).toBe('[PIN]');
    let seen: Uint8Array | null = null;
    await pin.use(async (b) => {
      seen = b;
    });
    expect(Array.from(seen as unknown as Uint8Array)).toEqual([0, 0, 0, 0]);
    await expect(pin.use(async () => undefined)).rejects.toThrow(/already used/);
  });

  it('accepts signing PINs of 6–16 upper-case letters and digits only', () => {
    expect(() => PinBuffer.signing('ABC123')).not.toThrow();
    expect(() => PinBuffer.signing('abc123')).toThrow(expect.objectContaining({ code: 'CARD_PIN_FORMAT' }));
    expect(() => PinBuffer.signing('AB12')).toThrow(expect.objectContaining({ code: 'CARD_PIN_FORMAT' }));
  });

  it('the virtual card answers an empty VERIFY with 63Cx and blocks after the last wrong try', () => {
    const card = newCard({ kenmen: 1 });
    const h = (hex: string) => Buffer.from(card.handle(Buffer.from(hex.replace(/ /g, ''), 'hex')) as Uint8Array).toString('hex');
    expect(h('00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08')).toBe('9000');
    expect(h('00 A4 02 0C 02 00 11')).toBe('9000');
    expect(h('00 20 00 80')).toBe('63c1');
    expect(h('00 20 00 80 04 30 30 30 30')).toBe('63c0');
    expect(h('00 20 00 80 04 33 30 30 36')).toBe('6984');
    expect(h('00 A4 02 0C 02 00 02')).toBe('9000');
    expect(h('00 B0 00 00 05')).toBe('6982');
  });

  it('the fake My Numbers of the profiles all fail the check digit', () => {
    expect(isValidMyNumber('000000000019')).toBe(true);
    for (const id of ['watanabe-sora', 'yamazaki-takashi', 'yoshida-hanako']) {
      expect(isValidMyNumber(loadProfile(id).fakeMyNumber)).toBe(false);
    }
  });
});

// Reading the basic 4 info and the PIN tries through real pcscd + vpcd with the virtual card.
import { describe, expect, it } from 'vitest';
import { PinBuffer } from '../../native/card/index';
import { listProfiles, loadProfile } from '../../native/card/virtual/index';
import { useCardRig } from '../support/use-card-rig';

const rig = useCardRig();

const expected = {
  'yamazaki-takashi': { birthDate: '1938-02-11', sex: 'male' },
  'yoshida-hanako': { birthDate: '1952-07-04', sex: 'female' },
  'watanabe-sora': { birthDate: '2001-04-01', sex: 'not_applicable' },
} as const;

describe('reading the basic 4 info from the card', () => {
  it('has a profile for every resident the tests expect', () => {
    expect(listProfiles()).toEqual(Object.keys(expected).sort());
  });

  for (const id of Object.keys(expected) as Array<keyof typeof expected>) {
    it(`reads name, address, birth date and sex of ${id} exactly as on the card`, async () => {
      const profile = loadProfile(id);
      const card = await rig.insert(id);
      const info = await rig.service.readBasicInfo(PinBuffer.digits4(profile.pin));
      expect(info).toEqual({ name: profile.name, address: profile.address, ...expected[id] });
      expect(card.card.triesLeft('kenmen')).toBe(3);
    });
  }

  it('keeps old kanji and characters outside the BMP intact (﨑, 髙, 𠮷)', async () => {
    const first = await rig.insert('yoshida-hanako');
    const info = await rig.service.readBasicInfo(PinBuffer.digits4(loadProfile('yoshida-hanako').pin));
    expect(info.name.codePointAt(0)).toBe(0x20bb7);
    first.stop();
    await rig.waitForCard(false);
    await rig.insert('yamazaki-takashi');
    const info2 = await rig.service.readBasicInfo(PinBuffer.digits4(loadProfile('yamazaki-takashi').pin));
    expect(info2.name).toContain('﨑');
    expect(info2.name).toContain('髙');
  });

  it('reads the long address in several READ BINARY chunks within 8 APDUs', async () => {
    await rig.insert('yamazaki-takashi');
    await rig.service.readBasicInfo(PinBuffer.digits4(loadProfile('yamazaki-takashi').pin));
    expect(rig.service.lastOperation?.apdus).toBeLessThanOrEqual(8);
  });

  it('never selects or reads the My Number EF', async () => {
    const card = await rig.insert('watanabe-sora');
    const seen: string[] = [];
    const original = card.card.handle.bind(card.card);
    card.card.handle = (apdu) => {
      seen.push(Buffer.from(apdu.subarray(0, Math.min(apdu.length, 7))).toString('hex'));
      return original(apdu);
    };
    await rig.service.readBasicInfo(PinBuffer.digits4(loadProfile('watanabe-sora').pin));
    expect(seen).not.toContain('00a4020c020001');
    expect(seen.some((s) => s === '00a4020c020002')).toBe(true);
  });

  it('wipes the PIN buffer after use, whatever the outcome', async () => {
    await rig.insert('watanabe-sora');
    const right = PinBuffer.digits4(loadProfile('watanabe-sora').pin);
    await rig.service.readBasicInfo(right);
    expect(right.wiped).toBe(true);
    const wrong = PinBuffer.digits4('9999');
    await expect(rig.service.readBasicInfo(wrong)).rejects.toMatchObject({ code: 'CARD_PIN_WRONG' });
    expect(wrong.wiped).toBe(true);
  });

  it('reports no card when the reader is empty', async () => {
    await expect(rig.service.readBasicInfo(PinBuffer.digits4('1234'))).rejects.toMatchObject({ code: 'CARD_NO_CARD' });
  });

  it('reports the reader, the ATR and the tries of all three PINs without spending any', async () => {
    const card = await rig.insert('yoshida-hanako', { tries: { kenmen: 2, jpkiAuth: 3, jpkiSign: 4 } });
    const before = card.card.verifyAttempts;
    const status = await rig.service.status();
    expect(status).toMatchObject({
      reader: rig.reader,
      cardPresent: true,
      atr: '3BE000FF8131FE4514',
      myNumberCard: true,
      pins: {
        kenmen: { triesLeft: 2, blocked: false },
        jpkiAuth: { triesLeft: 3, blocked: false },
        jpkiSign: { triesLeft: 4, blocked: false },
      },
    });
    expect(card.card.verifyAttempts).toBe(before);
    expect(card.card.triesLeft('kenmen')).toBe(2);
  });

  it('uses the named reader when one is given and says so when it does not exist', async () => {
    await rig.insert('watanabe-sora');
    const status = await rig.service.status({ reader: rig.reader });
    expect(status.cardPresent).toBe(true);
    await expect(rig.service.status({ reader: 'No Such Reader 00 00' })).rejects.toMatchObject({ code: 'CARD_READER_NOT_FOUND' });
    const empty = await rig.service.status({ reader: rig.pcscd.readers[1] });
    expect(empty).toMatchObject({ cardPresent: false, myNumberCard: null });
  });

  it('emits card-inserted and card-removed events', async () => {
    const events: string[] = [];
    const onIn = () => events.push('in');
    const onOut = () => events.push('out');
    rig.service.on('card-inserted', onIn);
    rig.service.on('card-removed', onOut);
    const card = await rig.insert('watanabe-sora');
    card.remove();
    await rig.waitForCard(false);
    rig.service.off('card-inserted', onIn);
    rig.service.off('card-removed', onOut);
    expect(events).toEqual(['in', 'out']);
  });
});

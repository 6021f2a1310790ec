// PIN safety through real pcscd + vpcd: tries are read before every VERIFY, the last try needs
// staff confirmation, a blocked PIN is reported and never tried, and nothing ever retries by itself.
import { describe, expect, it } from 'vitest';
import { PinBuffer } from '../../native/card/index';
import { loadProfile } from '../../native/card/virtual/index';
import { useCardRig } from '../support/use-card-rig';

const rig = useCardRig();
const profile = loadProfile('yoshida-hanako');

describe('PIN safety', () => {
  it('reports a wrong PIN with the tries left, spends exactly one try and never retries', async () => {
    const card = await rig.insert(profile.id);
    await expect(rig.service.readBasicInfo(PinBuffer.digits4('0000'))).rejects.toMatchObject({
      code: 'CARD_PIN_WRONG',
      details: { triesLeft: 2, pin: 'kenmen' },
    });
    expect(card.card.verifyAttempts).toBe(1);
    expect(card.card.triesLeft('kenmen')).toBe(2);
    const status = await rig.service.status();
    expect(status.pins.kenmen).toEqual({ triesLeft: 2, blocked: false });
  });

  it('a right PIN after a wrong one restores the tries', async () => {
    const card = await rig.insert(profile.id, { tries: { kenmen: 2 } });
    await rig.service.readBasicInfo(PinBuffer.digits4(profile.pin));
    expect(card.card.triesLeft('kenmen')).toBe(3);
  });

  it('stops before the last try without confirmation and sends no VERIFY', async () => {
    const card = await rig.insert(profile.id, { tries: { kenmen: 1 } });
    const pin = PinBuffer.digits4(profile.pin);
    const err = await rig.service.readBasicInfo(pin).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CARD_PIN_LAST_TRY_NEEDS_CONFIRMATION', details: { triesLeft: 1 } });
    expect((err as Error).message).toContain('市役所の窓口');
    expect(pin.wiped).toBe(true);
    expect(card.card.verifyAttempts).toBe(0);
    expect(card.card.triesLeft('kenmen')).toBe(1);
  });

  it('spends the last try only with confirmation, and reads with the right PIN', async () => {
    const card = await rig.insert(profile.id, { tries: { kenmen: 1 } });
    const info = await rig.service.readBasicInfo(PinBuffer.digits4(profile.pin), { confirmLastTry: true });
    expect(info.name).toBe(profile.name);
    expect(card.card.triesLeft('kenmen')).toBe(3);
  });

  it('a confirmed wrong last try locks the card and says where to unlock it', async () => {
    const card = await rig.insert(profile.id, { tries: { kenmen: 1 } });
    const err = await rig.service.readBasicInfo(PinBuffer.digits4('0000'), { confirmLastTry: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CARD_PIN_BLOCKED', details: { triesLeft: 0 } });
    expect((err as Error).message).toContain('市役所の窓口');
    expect(card.card.verifyAttempts).toBe(1);
  });

  it('reports a blocked card and never sends it a PIN, even with confirmation', async () => {
    const card = await rig.insert(profile.id, { tries: { kenmen: 0, jpkiAuth: 0 } });
    await expect(rig.service.readBasicInfo(PinBuffer.digits4(profile.pin), { confirmLastTry: true })).rejects.toMatchObject({
      code: 'CARD_PIN_BLOCKED',
    });
    await expect(
      rig.service.signForAuth(new Uint8Array(32).fill(1), PinBuffer.digits4(profile.pin), { confirmLastTry: true }),
    ).rejects.toMatchObject({ code: 'CARD_PIN_BLOCKED', details: { pin: 'jpkiAuth' } });
    expect(card.card.verifyAttempts).toBe(0);
    const status = await rig.service.status();
    expect(status.pins.kenmen).toEqual({ triesLeft: 0, blocked: true });
    expect(status.pins.jpkiAuth).toEqual({ triesLeft: 0, blocked: true });
  });

  it('rejects a PIN that is not 4 digits before touching the card', () => {
    expect(() => PinBuffer.digits4('12a4')).toThrow(expect.objectContaining({ code: 'CARD_PIN_FORMAT' }));
    expect(() => PinBuffer.digits4('12345')).toThrow(expect.objectContaining({ code: 'CARD_PIN_FORMAT' }));
  });

  it('the signing PIN counter is separate: a wrong auth PIN leaves it untouched', async () => {
    const card = await rig.insert(profile.id);
    await expect(rig.service.signForAuth(new Uint8Array(32), PinBuffer.digits4('0000'))).rejects.toMatchObject({
      code: 'CARD_PIN_WRONG',
      details: { pin: 'jpkiAuth', triesLeft: 2 },
    });
    expect(card.card.triesLeft('jpkiSign')).toBe(5);
    expect(card.card.triesLeft('kenmen')).toBe(3);
  });
});

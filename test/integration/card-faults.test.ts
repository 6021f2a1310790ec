// Failures through real pcscd + vpcd: a card pulled out mid-read, malformed data from the card, and
// pcscd going away and coming back. Each ends in a clear error, never a crash or a partial record.
import { describe, expect, it } from 'vitest';
import { PinBuffer } from '../../native/card/index';
import { loadProfile } from '../../native/card/virtual/index';
import { useCardRig } from '../support/use-card-rig';

const rig = useCardRig();
const profile = loadProfile('yamazaki-takashi');

describe('card faults', () => {
  it('a card pulled out mid-read gives CARD_REMOVED and no record; the next read after reinsertion succeeds', async () => {
    // The second READ BINARY of the long basic-4 file never gets an answer: the card leaves.
    const card = await rig.insert(profile.id, { faults: { removeOnReadBinary: 2 } });
    const results: unknown[] = [];
    const err = await rig.service
      .readBasicInfo(PinBuffer.digits4(profile.pin))
      .then((r) => results.push(r))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CARD_REMOVED' });
    expect((err as Error).message).toContain('何も記録していません');
    expect(results).toEqual([]);
    await rig.waitForCard(false);
    await card.insert();
    await rig.waitForCard(true);
    const info = await rig.service.readBasicInfo(PinBuffer.digits4(profile.pin));
    expect(info.name).toBe(profile.name);
  });

  it('malformed TLV from the card gives CARD_DATA_INVALID and no partial record', async () => {
    await rig.insert(profile.id, { faults: { malformedBasicInfo: true } });
    const err = await rig.service.readBasicInfo(PinBuffer.digits4(profile.pin)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CARD_DATA_INVALID' });
    expect((err as Error).message).toContain('正しく読み取れませんでした');
    expect(JSON.stringify(err)).not.toContain(profile.name);
  });

  it('a card that is not a My Number card is reported as such', async () => {
    const card = await rig.insert(profile.id);
    const original = card.card.handle.bind(card.card);
    // Another card type: it knows neither application.
    card.card.handle = (apdu) => (apdu[1] === 0xa4 && apdu[2] === 0x04 ? Uint8Array.of(0x6a, 0x82) : original(apdu));
    await expect(rig.service.readBasicInfo(PinBuffer.digits4(profile.pin))).rejects.toMatchObject({ code: 'CARD_NOT_MY_NUMBER_CARD' });
    const status = await rig.service.status();
    expect(status.myNumberCard).toBe(false);
  });

  it('a second operation while one runs on the same reader is refused as busy', async () => {
    await rig.insert(profile.id);
    const first = rig.service.readAuthCertificate();
    await new Promise((r) => setTimeout(r, 5));
    await expect(rig.service.readAuthCertificate()).rejects.toMatchObject({ code: 'CARD_READER_BUSY' });
    await first;
  });

  it('after pcscd restarts, the reader and the card come back and reading works again', async () => {
    await rig.insert(profile.id);
    const lost = new Promise<void>((resolve) => rig.service.once('service-lost', () => resolve()));
    const restored = new Promise<void>((resolve) => rig.service.once('service-restored', () => resolve()));
    await rig.pcscd.stopDaemon();
    await lost;
    await expect(rig.service.status()).rejects.toMatchObject({ code: 'CARD_SERVICE_UNAVAILABLE' });
    await rig.pcscd.startDaemon();
    await restored;
    await rig.waitForCard(true, 10_000);
    expect(rig.service.readers().map((r) => r.name)).toContain(rig.reader);
    const info = await rig.service.readBasicInfo(PinBuffer.digits4(profile.pin));
    expect(info.name).toBe(profile.name);
  });
});

// The card rig for a whole test file: started before its first test, every card pulled after each
// test (the next test starts with an empty reader), stopped after the last.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startCardRig, type CardRig } from './card-rig';

export function useCardRig(): CardRig {
  let rig: CardRig | undefined;
  beforeAll(async () => {
    rig = await startCardRig();
  }, 60_000);
  afterEach(async () => {
    await rig?.pullAll();
  });
  afterAll(async () => {
    await rig?.stop();
  });
  const started = (): CardRig => {
    if (!rig) throw new Error('the card rig is used before its beforeAll ran');
    return rig;
  };
  return {
    get pcscd() {
      return started().pcscd;
    },
    get service() {
      return started().service;
    },
    get reader() {
      return started().reader;
    },
    insert: (profile, options) => started().insert(profile, options),
    waitForCard: (present, timeoutMs) => started().waitForCard(present, timeoutMs),
    pullAll: () => started().pullAll(),
    stop: () => started().stop(),
  };
}

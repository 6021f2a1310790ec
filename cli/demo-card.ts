// The demo's virtual My Number card, as a person at the counter handles one: put it in the reader,
// take it out, hand over another resident's card. Each profile is an invented resident (fixtures/cards).
import { listProfiles, loadProfile, startVirtualCard, type VirtualCardHandle } from '../native/card/virtual/index';

export interface DemoCardProfile {
  id: string;
  /** 氏名 as on the invented card. */
  name: string;
  /** The invented card's 4-digit PIN, shown on the demo's control page (never a real one). */
  pin: string;
  description: string;
}

export interface DemoCardState {
  inserted: boolean;
  profile: string;
  /** PIN tries left: 券面事項入力補助用 and 利用者証明用 (3 each when fresh). */
  tries: { kenmen: number; jpkiAuth: number };
}

/** How long putting the card in may wait for pcscd's vpcd reader before saying it is not there. */
const READER_WAIT_MS = 5_000;

export class DemoCardSlot {
  readonly profiles: DemoCardProfile[];
  #handle: VirtualCardHandle | null = null;
  #inserted = false;
  #profile: string;
  readonly #port: number | undefined;

  constructor(options: { profile: string; vpcdPort?: number }) {
    this.profiles = listProfiles().map((id) => {
      const p = loadProfile(id);
      return { id, name: p.name, pin: p.pin, description: p.description };
    });
    this.#profile = options.profile;
    this.#port = options.vpcdPort;
  }

  state(): DemoCardState {
    const card = this.#handle?.card;
    return {
      inserted: this.#inserted,
      profile: this.#profile,
      tries: { kenmen: card?.triesLeft('kenmen') ?? 3, jpkiAuth: card?.triesLeft('jpkiAuth') ?? 3 },
    };
  }

  profileName(id = this.#profile): string {
    return this.profiles.find((p) => p.id === id)?.name ?? id;
  }

  /** Puts the card in the reader; fails with a clear message when pcscd (with vpcd) is not running. */
  async insert(): Promise<void> {
    if (this.#inserted) return;
    this.#handle ??= await startVirtualCard({ profile: this.#profile, inserted: false, ...(this.#port ? { port: this.#port } : {}) });
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('カードリーダー (pcscd) が動いていません。bash scripts/system-daemons.sh で起動してください。')), READER_WAIT_MS);
    });
    try {
      await Promise.race([this.#handle.insert(), gaveUp]);
      this.#inserted = true;
    } catch (e) {
      this.#handle.remove();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  remove(): void {
    this.#handle?.remove();
    this.#inserted = false;
  }

  /** Another resident's card: the one in the reader (if any) comes out and the new one goes in. */
  async choose(profile: string): Promise<void> {
    if (!this.profiles.some((p) => p.id === profile)) throw new Error(`架空の住民「${profile}」のカードはありません。`);
    await this.#replace(profile);
  }

  /** A fresh card of the same resident: every PIN try back (the city's counter would reset them). */
  async resetTries(): Promise<void> {
    await this.#replace(this.#profile);
  }

  async #replace(profile: string): Promise<void> {
    const wasIn = this.#inserted;
    this.stop();
    this.#profile = profile;
    if (wasIn) await this.insert();
  }

  stop(): void {
    this.#handle?.stop();
    this.#handle = null;
    this.#inserted = false;
  }
}

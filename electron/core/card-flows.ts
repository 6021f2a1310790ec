// Reading the resident's My Number card for the certificate flow (書かない窓口): staff start a read,
// the resident types the 4-digit PIN on their own screen, the card's basic 4 info fills the form or is
// compared with the request field by field. The PIN never reaches the staff screen, a log or the disk;
// the card data lives in memory only for the session, and pulling the card ends the session.
// One PIN per visit: the read that filled the form is also the identity check for the request made from
// it, while the same card stays in the reader and staff have compared the face on the card.
import { createHash } from 'node:crypto';
import type { BasicInfo, CardService } from '../../native/card/service';
import type { InsuranceCardInput, LinkChallengeResponse, LinkCompleteRequest, LinkCompleteResponse } from '../../protocol/hub';
import { PinBuffer } from '../../native/card/pin';
import type { CardSessionView, CardFieldCheck, VisitCardRead } from '../../protocol/ipc';
import type { RequestSummary } from '../../protocol/request';
import { addressesMatch, normalizeName } from '../../protocol/name-folding';
import type { AuditLog } from './audit';
import type { Clock } from './clock';
import type { Db } from './db';
import { AppError, ValidationError } from './errors';
import type { Logger } from '../../common/logger';
import type { RequestService } from './requests';

type Purpose = 'fill' | 'identity' | 'link';

/** City hall's linking endpoints, reachable only while the vehicle is online. */
export interface InsuranceLinker {
  online(): boolean;
  challenge(): Promise<LinkChallengeResponse>;
  complete(body: LinkCompleteRequest): Promise<LinkCompleteResponse>;
}

interface Session {
  purpose: Purpose;
  requestId: string | null;
  staffId: string;
  stage: CardSessionView['stage'];
  triesLeft: number | null;
  lastTryConfirmed: boolean;
  message: string | null;
  filled: BasicInfo | null;
  checks: CardFieldCheck[] | null;
  insurance: InsuranceCardInput | null;
  linkedAt: string | null;
}

/**
 * The card's 基本4情報 beside the request's person, field by field, folded by the same rules the hub
 * uses to match a request with the registry (protocol/name-folding.ts).
 */
export function cardFieldChecks(card: BasicInfo, person: { name: string; birthDate: string; address: string }): CardFieldCheck[] {
  return [
    { field: 'name', label: '氏名', card: card.name, request: person.name, match: normalizeName(card.name) === normalizeName(person.name) },
    { field: 'birthDate', label: '生年月日', card: card.birthDate, request: person.birthDate, match: card.birthDate === person.birthDate },
    { field: 'address', label: '住所', card: card.address, request: person.address, match: addressesMatch(card.address, person.address) },
  ];
}

/**
 * The card read with the PIN that filled the form in this visit. Kept in memory only while that card
 * stays in the reader (and at most VISIT_READ_MAX_MS); `cardKey` is a hash of the card's
 * user-authentication certificate, read without a PIN, so another card can never stand in for it.
 */
interface VisitRead {
  at: string;
  cardKey: string;
  info: BasicInfo;
}

/** A visit at the counter does not last longer than this: an older read is asked for again. */
export const VISIT_READ_MAX_MS = 30 * 60_000;

export interface CardFlowsOptions {
  card: CardService | null;
  requests: RequestService;
  audit: AuditLog;
  db: Db;
  clock: Clock;
  logger: Logger;
  onChange: (view: CardSessionView | null) => void;
  /** The read that filled the form in this visit appeared or went away. */
  onVisitRead?: (read: VisitCardRead | null) => void;
  /** A card was put into the reader or taken out. */
  onCardPresence?: (inReader: boolean) => void;
  linker?: InsuranceLinker | null;
  /** City hall recorded a health-insurance link (counted for the open outing). Called once per link. */
  onLinked?: (linkId: string) => void;
}

export class CardFlows {
  private session: Session | null = null;
  private visitRead: VisitRead | null = null;
  private present = false;

  private readonly card: CardService | null;
  private readonly requests: RequestService;
  private readonly audit: AuditLog;
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly onChange: (view: CardSessionView | null) => void;
  private readonly onVisitRead: (read: VisitCardRead | null) => void;
  private readonly onCardPresence: (inReader: boolean) => void;
  private readonly linker: InsuranceLinker | null;
  private readonly onLinked: (linkId: string) => void;

  constructor(options: CardFlowsOptions) {
    this.card = options.card;
    this.requests = options.requests;
    this.audit = options.audit;
    this.db = options.db;
    this.clock = options.clock;
    this.logger = options.logger;
    this.onChange = options.onChange;
    this.onVisitRead = options.onVisitRead ?? (() => undefined);
    this.onCardPresence = options.onCardPresence ?? (() => undefined);
    this.linker = options.linker ?? null;
    this.onLinked = options.onLinked ?? (() => undefined);
    // Pulling the card ends the session and the visit's read: nothing of it is left for the next resident.
    this.card?.on('card-removed', () => {
      this.setPresent(false);
      this.forgetVisitRead();
      if (this.session) this.end('カードが取り出されました。');
    });
    this.card?.on('card-inserted', () => this.setPresent(true));
    // Without pcscd the reader's events may be lost: a read made before cannot be vouched for.
    this.card?.on('service-lost', () => this.forgetVisitRead());
    // Whether a card is already in the reader, from the readers' own state: no card session is opened,
    // so a read staff start at once is never refused as busy by this look.
    void this.card
      ?.cardPresent()
      .then((present) => this.setPresent(present))
      .catch(() => undefined);
  }

  /** Whether a card is in the reader, as its insert and remove events tell. */
  cardInReader(): boolean {
    return this.present;
  }

  /** The read that filled the form in this visit, without any card data; null if there is none. */
  visitCardRead(): VisitCardRead | null {
    const r = this.currentVisitRead();
    return r ? { readAt: r.at } : null;
  }

  /** The visit is over (staff signed out or the screen locked): the next request asks for the PIN again. */
  endVisit(): void {
    this.forgetVisitRead();
  }

  /**
   * 本人確認 without a second PIN: the request made from the form the card filled in this visit. Holds
   * only while the same card is in the reader, the request was made after the read, the card's name,
   * birth date and address match the request's, and staff compared the face on the card.
   */
  async confirmFromVisitRead(requestId: string, staffId: string, faceChecked: boolean): Promise<RequestSummary> {
    if (!faceChecked) {
      throw new ValidationError([{ path: 'faceChecked', message: 'カードの顔写真とご本人を見比べて、「カードの顔写真と本人を確認しました」にチェックを入れてください。' }]);
    }
    const summary = this.requests.summary(requestId);
    if (summary.step !== 'entered') throw new AppError('ILLEGAL_TRANSITION', 'この受付は本人確認の段階ではありません。');
    const read = this.currentVisitRead();
    const again = '「マイナンバーカードで確認する」で、暗証番号をもう一度押していただいてください。';
    if (!read || summary.createdAt < read.at) {
      throw new AppError('CARD_READ_NOT_THIS_VISIT', `この受付はこの来訪でカードから入力したものではありません。${again}`);
    }
    const card = this.requireCard();
    const status = await card.status();
    if (!status.cardPresent) throw new AppError('CARD_NO_CARD', `カードリーダーにカードがありません。${again}`);
    const key = fingerprint(await card.readAuthCertificate());
    if (key !== read.cardKey) {
      this.forgetVisitRead();
      throw new AppError('CARD_NOT_THE_SAME', `カードリーダーのカードは、入力に使ったカードと違います。${again}`);
    }
    const checks = this.compare(requestId, read.info);
    const differ = checks.filter((c) => !c.match).map((c) => c.label);
    if (differ.length > 0) {
      throw new AppError('CARD_READ_MISMATCH', `カードと請求書の${differ.join('・')}が違います。請求書を直すか、${again}`);
    }
    return this.db.transaction(() => {
      const s = this.requests.checkIdentity(requestId, { documents: [{ kind: 'mynumber_card' }] }, staffId, {
        method: 'card_read_this_visit',
        readAt: read.at,
        faceChecked: true,
      });
      this.audit.append({ actor: staffId, action: 'card.identity_from_visit_read', requestId, detail: { readAt: read.at } });
      return s;
    })();
  }

  view(): CardSessionView | null {
    const s = this.session;
    if (!s) return null;
    return {
      purpose: s.purpose,
      requestId: s.requestId,
      stage: s.stage,
      triesLeft: s.triesLeft,
      lastTryConfirmed: s.lastTryConfirmed,
      message: s.message,
      filled: s.filled,
      checks: s.checks,
      linkedAt: s.linkedAt,
    };
  }

  /** Staff start a read: the resident screen asks for the PIN. Spends no PIN try. */
  async start(purpose: Purpose, requestId: string | null, staffId: string, insurance: InsuranceCardInput | null = null): Promise<CardSessionView> {
    const card = this.requireCard();
    if (purpose === 'link') {
      if (!insurance) throw new AppError('INVALID_INPUT', '保険証の保険者番号と記号・番号を入力してください。');
      // The signature is never kept for later: without the network there is nothing to link.
      if (!this.linker?.online()) {
        throw new AppError('LINK_NEEDS_NETWORK', 'マイナ保険証の紐付けは市役所との通信が必要です。いまはつながっていないため、次回の訪問で行うよう予約してください。');
      }
    }
    if (purpose === 'identity') {
      if (!requestId) throw new AppError('INVALID_INPUT', '受付を選んでください。');
      const step = this.requests.summary(requestId).step;
      if (step !== 'entered' && step !== 'identity_checked') throw new AppError('ILLEGAL_TRANSITION', 'この受付は本人確認の段階ではありません。');
    }
    const status = await card.status();
    this.setPresent(status.cardPresent);
    if (!status.cardPresent) throw new AppError('CARD_NO_CARD', 'カードが置かれていません。カードをカードリーダーに置いてください。');
    if (status.myNumberCard === false) throw new AppError('CARD_NOT_MY_NUMBER_CARD', 'マイナンバーカードではないようです。カードを確かめてください。');
    // The basic-4 read uses the 券面事項入力補助 PIN; linking signs with the user-authentication key.
    const tries = purpose === 'link' ? status.pins.jpkiAuth : status.pins.kenmen;
    if (!tries || tries.blocked) {
      throw new AppError('CARD_PIN_BLOCKED', 'このカードの暗証番号はロックされています。市役所の窓口でロックを解除できます。ほかの本人確認書類で確認してください。');
    }
    this.session = {
      purpose,
      requestId,
      staffId,
      stage: tries.triesLeft === 1 ? 'needs_confirmation' : 'waiting_pin',
      triesLeft: tries.triesLeft,
      lastTryConfirmed: false,
      message: tries.triesLeft === 1 ? '暗証番号の残りが1回です。まちがえるとカードがロックされることを、お客様に説明してください。' : null,
      filled: null,
      checks: null,
      insurance,
      linkedAt: null,
    };
    this.changed();
    return this.view()!;
  }

  /** Staff confirm the resident understands that a wrong last try locks the card. */
  confirmLastTry(staffId: string): CardSessionView {
    const s = this.requireSession();
    if (s.stage !== 'needs_confirmation') throw new AppError('CARD_NOTHING_TO_CONFIRM', '確認が必要な読み取りはありません。');
    s.lastTryConfirmed = true;
    s.stage = 'waiting_pin';
    s.message = null;
    this.db.transaction(() => this.audit.append({ actor: staffId, action: 'card.last_try_confirmed', requestId: s.requestId }))();
    this.changed();
    return this.view()!;
  }

  cancel(): null {
    if (this.session) this.end(null);
    return null;
  }

  /** The resident typed the PIN on their screen. The string is turned into a wipeable buffer at once. */
  async submitPin(pin: string): Promise<{ ok: true }> {
    const s = this.requireSession();
    if (s.stage !== 'waiting_pin') {
      throw new AppError('CARD_NOT_WAITING_PIN', s.stage === 'needs_confirmation' ? '職員にお声がけください。' : 'いまは暗証番号を入力できません。');
    }
    const buffer = PinBuffer.digits4(pin);
    s.stage = 'reading';
    s.message = null;
    this.changed();
    if (s.purpose === 'link') return this.link(s, buffer);
    // Which card is read, taken before the PIN read: a card swapped after it ends the session.
    const cardKey = s.purpose === 'fill' ? await this.cardKey() : null;
    let info: BasicInfo;
    try {
      info = await this.requireCard().readBasicInfo(buffer, { confirmLastTry: s.lastTryConfirmed });
    } catch (e) {
      if (this.session !== s) throw e; // the card was pulled meanwhile; the session is gone
      const message = e instanceof Error ? e.message : 'カードを読み取れませんでした。';
      this.failed(s, e, 'CARD_ERROR', message, { actor: 'resident', action: 'card.read_failed', requestId: s.requestId });
      throw e;
    } finally {
      buffer.wipe();
    }
    const readAt = this.clock.now().toISOString();
    this.db.transaction(() => this.audit.append({ actor: s.staffId, action: 'card.basic_info_read', requestId: s.requestId, detail: { purpose: s.purpose } }))();
    if (s.purpose === 'fill') {
      s.filled = info;
      s.stage = 'done';
      if (cardKey && this.session === s) this.rememberVisitRead(readAt, cardKey, info);
    } else {
      s.checks = this.compare(s.requestId!, info);
      s.stage = s.checks.every((c) => c.match) ? 'done' : 'mismatch';
      if (s.stage === 'done') {
        // The card, read with its PIN, is the photo ID: recorded as such, with no number at all.
        this.requests.checkIdentity(s.requestId!, { documents: [{ kind: 'mynumber_card' }] }, s.staffId, { method: 'card_pin', readAt });
      }
    }
    this.changed();
    return { ok: true };
  }

  /** マイナ保険証紐付け: city hall's challenge, signed by the card after its PIN, verified and forwarded by city hall. */
  private async link(s: Session, pin: PinBuffer): Promise<{ ok: true }> {
    try {
      const challenge = await this.linker!.challenge();
      const signed = await this.requireCard().signForAuth(Buffer.from(challenge.challenge, 'base64'), pin, { confirmLastTry: s.lastTryConfirmed });
      const result = await this.linker!.complete({
        challengeId: challenge.challengeId,
        signature: Buffer.from(signed.signature).toString('base64'),
        certificate: Buffer.from(signed.certificate).toString('base64'),
        insurance: s.insurance!,
        staffId: s.staffId,
      });
      if (this.session !== s) return { ok: true };
      s.stage = 'done';
      s.linkedAt = result.linkedAt;
      this.db.transaction(() => {
        this.audit.append({ actor: s.staffId, action: 'card.insurance_linked', detail: { linkId: result.linkId } });
        this.onLinked(result.linkId);
      })();
      this.changed();
      return { ok: true };
    } catch (e) {
      if (this.session !== s) throw e;
      const message = e instanceof AppError ? e.message : '市役所とのやり取りが途中で切れました。もう一度やり直してください。';
      this.failed(s, e, 'LINK_FAILED', message, { actor: s.staffId, action: 'card.insurance_link_failed' });
      throw e instanceof AppError ? e : new AppError('LINK_FAILED', message);
    } finally {
      pin.wipe();
    }
  }

  /**
   * After a failed card operation: a wrong PIN asks again (or for staff confirmation before the last
   * try), anything else ends in `failed`; the tries left and the message go to both screens.
   */
  private failed(s: Session, e: unknown, fallbackCode: string, message: string, audit: { actor: string; action: string; requestId?: string | null }): void {
    const code = (e as { code?: string }).code ?? fallbackCode;
    const tries = (e as { details?: { triesLeft?: number } }).details?.triesLeft;
    s.triesLeft = tries ?? s.triesLeft;
    s.stage = code === 'CARD_PIN_WRONG' ? (tries === 1 ? 'needs_confirmation' : 'waiting_pin') : code === 'CARD_PIN_LAST_TRY_NEEDS_CONFIRMATION' ? 'needs_confirmation' : 'failed';
    if (code === 'CARD_PIN_WRONG') s.lastTryConfirmed = false;
    s.message = message;
    this.db.transaction(() => this.audit.append({ ...audit, detail: { code } }))();
    this.changed();
  }

  /** The card in the reader, by its certificate; null if it cannot be read (the form still fills, identity asks for the PIN). */
  private async cardKey(): Promise<string | null> {
    try {
      return fingerprint(await this.requireCard().readAuthCertificate());
    } catch (e) {
      this.logger.info({ code: (e as { code?: string }).code ?? 'UNEXPECTED' }, 'card certificate not read; identity will need the PIN again');
      return null;
    }
  }

  private rememberVisitRead(at: string, cardKey: string, info: BasicInfo): void {
    this.visitRead = { at, cardKey, info };
    this.onVisitRead({ readAt: at });
  }

  private currentVisitRead(): VisitRead | null {
    const r = this.visitRead;
    if (r && this.clock.now().getTime() - Date.parse(r.at) > VISIT_READ_MAX_MS) {
      this.forgetVisitRead();
      return null;
    }
    return r;
  }

  private forgetVisitRead(): void {
    if (!this.visitRead) return;
    this.visitRead = null;
    this.onVisitRead(null);
  }

  private setPresent(present: boolean): void {
    if (this.present === present) return;
    this.present = present;
    this.onCardPresence(present);
  }

  private compare(requestId: string, info: BasicInfo): CardFieldCheck[] {
    const { input } = this.requests.relayContent(requestId);
    const person = input.requester.relation === 'self' ? input.subject : input.requester.person!;
    return cardFieldChecks(info, person);
  }

  private end(message: string | null): void {
    const s = this.session;
    this.session = null;
    if (s && message) this.logger.info({ purpose: s.purpose }, 'card session ended');
    this.changed();
  }

  private changed(): void {
    this.onChange(this.view());
  }

  private requireCard(): CardService {
    if (!this.card) throw new AppError('CARD_READER_NOT_CONFIGURED', 'カードリーダーが設定されていません。ほかの本人確認書類で確認してください。');
    return this.card;
  }

  private requireSession(): Session {
    if (!this.session) throw new AppError('CARD_NO_SESSION', 'カードの読み取りは始まっていません。職員にお声がけください。');
    return this.session;
  }
}

/** A card's identity without its holder's data: SHA-256 of its user-authentication certificate. */
function fingerprint(certificate: Uint8Array): string {
  return createHash('sha256').update(certificate).digest('hex');
}

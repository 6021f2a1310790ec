// Card errors: a stable code for the core and the screens, and a Japanese message that tells the
// resident or the staff what to do next. Nothing here ever carries a PIN or data read from a card.
import { AppError } from '../../protocol/errors';

export const CardErrorCode = {
  serviceUnavailable: 'CARD_SERVICE_UNAVAILABLE',
  noReader: 'CARD_NO_READER',
  readerNotFound: 'CARD_READER_NOT_FOUND',
  severalCards: 'CARD_SEVERAL_CARDS',
  noCard: 'CARD_NO_CARD',
  removed: 'CARD_REMOVED',
  notMyNumberCard: 'CARD_NOT_MY_NUMBER_CARD',
  readerBusy: 'CARD_READER_BUSY',
  pinFormat: 'CARD_PIN_FORMAT',
  pinWrong: 'CARD_PIN_WRONG',
  pinLastTry: 'CARD_PIN_LAST_TRY_NEEDS_CONFIRMATION',
  pinBlocked: 'CARD_PIN_BLOCKED',
  pinNotVerified: 'CARD_PIN_NOT_VERIFIED',
  dataInvalid: 'CARD_DATA_INVALID',
  commandFailed: 'CARD_COMMAND_FAILED',
} as const;
export type CardErrorCode = (typeof CardErrorCode)[keyof typeof CardErrorCode];

export type PinKind = 'kenmen' | 'jpkiAuth' | 'jpkiSign';

export interface CardErrorDetails {
  /** Tries left on the PIN concerned, when the card told us. */
  triesLeft?: number;
  pin?: PinKind;
  /** Status word (hex) or PC/SC error code, for diagnosis; never card data. */
  detail?: string;
}

export class CardError extends AppError {
  constructor(
    override readonly code: CardErrorCode,
    message: string,
    readonly details: CardErrorDetails = {},
  ) {
    super(code, message);
  }
}

const UNLOCK_PLACE = '市役所の窓口（本庁・支所）';

export const cardErrors = {
  serviceUnavailable: (detail?: string) =>
    new CardError(
      CardErrorCode.serviceUnavailable,
      'カードリーダーを動かす仕組みが止まっています。しばらく待っても直らない場合は、端末を再起動してください。',
      { detail },
    ),
  noReader: () =>
    new CardError(CardErrorCode.noReader, 'カードリーダーが見つかりません。リーダーのケーブルを差し直してください。'),
  readerNotFound: (name: string) =>
    new CardError(CardErrorCode.readerNotFound, `指定のカードリーダー「${name}」が見つかりません。リーダー名を確かめてください。`),
  severalCards: () =>
    new CardError(
      CardErrorCode.severalCards,
      '複数のリーダーにカードが置かれています。読み取るカード以外を取り除くか、リーダーを指定してください。',
    ),
  noCard: () => new CardError(CardErrorCode.noCard, 'カードが置かれていません。マイナンバーカードをリーダーに置いてください。'),
  removed: (detail?: string) =>
    new CardError(
      CardErrorCode.removed,
      '読み取りの途中でカードが離れました。何も記録していません。カードを置き直して、もう一度お試しください。',
      { detail },
    ),
  notMyNumberCard: () =>
    new CardError(
      CardErrorCode.notMyNumberCard,
      'マイナンバーカードではないようです。マイナンバーカードを、向きを確かめてリーダーに置いてください。',
    ),
  readerBusy: (detail?: string) =>
    new CardError(
      CardErrorCode.readerBusy,
      'カードリーダーを別の処理が使っています。少し待ってから、もう一度お試しください。',
      { detail },
    ),
  pinFormat: (pin: PinKind) =>
    new CardError(CardErrorCode.pinFormat, pin === 'jpkiSign'
      ? '署名用の暗証番号は、英大文字と数字の6〜16けたです。'
      : '暗証番号は数字4けたです。入力し直してください。', { pin }),
  pinWrong: (pin: PinKind, triesLeft: number) =>
    new CardError(
      CardErrorCode.pinWrong,
      `暗証番号が違います。あと${triesLeft}回まちがえると、カードがロックされます。`,
      { pin, triesLeft },
    ),
  pinLastTry: (pin: PinKind) =>
    new CardError(
      CardErrorCode.pinLastTry,
      '暗証番号を入力できるのは、あと1回です。まちがえるとカードがロックされ、' +
        `${UNLOCK_PLACE}でしか解除できません。ご本人が理解されたことを確かめてから、係員が「続ける」を選んでください。`,
      { pin, triesLeft: 1 },
    ),
  pinBlocked: (pin: PinKind) =>
    new CardError(
      CardErrorCode.pinBlocked,
      `暗証番号がロックされています。このカードのロックは${UNLOCK_PLACE}で解除できます。` +
        'マイナンバーカードをお持ちのうえ、窓口でお申し出ください。',
      { pin, triesLeft: 0 },
    ),
  pinNotVerified: (detail?: string) =>
    new CardError(CardErrorCode.pinNotVerified, '暗証番号の確認が済んでいないため読み取れません。もう一度お試しください。', {
      detail,
    }),
  dataInvalid: (detail?: string) =>
    new CardError(
      CardErrorCode.dataInvalid,
      'カードの情報を正しく読み取れませんでした。何も記録していません。カードを置き直して、もう一度お試しください。' +
        '続く場合は、窓口でカードを確かめてください。',
      { detail },
    ),
  commandFailed: (detail?: string) =>
    new CardError(
      CardErrorCode.commandFailed,
      'カードとのやりとりに失敗しました。カードを置き直して、もう一度お試しください。',
      { detail },
    ),
};

export function isCardError(e: unknown): e is CardError {
  return e instanceof CardError;
}

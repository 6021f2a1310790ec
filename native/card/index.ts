// The card reader adapter: one service the terminal core uses, plus the pieces it is built from.
export { PcscCardService, createCardService, CardStatus, PinStatus, AuthSignature, BasicInfo } from './service';
export type { CardService, CardServiceEvents, CardOperationOptions, PinOperationOptions, OperationStats } from './service';
export { PinBuffer } from './pin';
export { CardError, CardErrorCode, cardErrors, isCardError, type PinKind } from './errors';
export { sha256DigestInfo, SHA256_DIGEST_INFO_PREFIX } from './jpki';

// The one logger. Personal fields, PINs and card data are redacted wherever they appear in a log
// object; messages themselves never carry them (callers log ids and codes only).
import { pino, type Logger } from 'pino';

export type { Logger };

const secretKeys = ['name', 'kana', 'address', 'birthDate', 'pin', 'myNumber', 'person', 'subject', 'requester', 'purpose', 'last4', 'token'];
export const redactPaths = [...secretKeys, ...secretKeys.map((k) => `*.${k}`), ...secretKeys.map((k) => `*.*.${k}`)];

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    { level: options.level ?? process.env.ODEKAKE_LOG_LEVEL ?? 'info', redact: { paths: redactPaths, censor: '[秘匿]' }, base: undefined },
    (options.destination ?? process.stderr) as pino.DestinationStream,
  );
}

/** A logger that drops everything, for tests that do not look at logs. */
export const silentLogger: Logger = pino({ level: 'silent' });

// The hub's one logger. Personal fields, passwords, cookies and tokens are redacted wherever they appear
// in a log object; callers log ids and codes only.
import { pino, type Logger } from 'pino';

export type { Logger };

const secretKeys = [
  'name', 'kana', 'address', 'birthDate', 'person', 'subject', 'requester', 'purpose', 'last4', 'input', 'identity',
  'insurance', 'password', 'passwordHash', 'token', 'csrfToken', 'cookie', 'authorization', 'x-csrf-token', 'pdfBase64', 'payload',
];
export const redactPaths = [
  ...secretKeys.map((k) => (k.includes('-') ? `["${k}"]` : k)),
  ...secretKeys.map((k) => (k.includes('-') ? `*["${k}"]` : `*.${k}`)),
  ...secretKeys.map((k) => (k.includes('-') ? `*.*["${k}"]` : `*.*.${k}`)),
];

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    { level: options.level ?? process.env.ODEKAKE_LOG_LEVEL ?? 'info', redact: { paths: redactPaths, censor: '[秘匿]' }, base: undefined },
    (options.destination ?? process.stderr) as pino.DestinationStream,
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });

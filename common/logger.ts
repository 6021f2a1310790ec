// The one logger of the terminal core and the hub (pino). Callers log ids and codes only; this list is
// the net under that rule: wherever one of these keys appears in a log object (to four levels deep),
// its value is replaced, so a whole request, card read or insurance card logged by mistake leaks nothing.
import { pino, type Logger } from 'pino';

export type { Logger };

/** Keys whose values are personal or secret, declared once for both sides. */
export const redactedKeys = [
  // A person: name, reading, address, birth date, phone; the containers that hold them.
  'name', 'kana', 'address', 'birthDate', 'phone', 'person', 'subject', 'requester', 'resident', 'proxy', 'input', 'identity',
  // What a person said or why: purpose, reasons, consultation notes, an operator's question text.
  'purpose', 'reason', 'notes', 'question', 'questions', 'text',
  // Documents: the last digits of an ID document, a rendered certificate, a raw relayed payload.
  'last4', 'pdfBase64', 'payload',
  // Health insurance (the card object, and its numbers where they are logged on their own).
  'insurance', 'insurerNumber', 'insuredNumber',
  // The My Number card: its data, PINs, the My Number itself, signatures over its keys.
  'card', 'kenmen', 'pin', 'signingPin', 'newPin', 'myNumber', 'individualNumber', 'signature', 'certificate',
  // Secrets of the hub's operators and the host bridge.
  'password', 'passwordHash', 'token', 'csrfToken', 'cookie', 'set-cookie', 'authorization', 'x-csrf-token',
] as const;

const pathFor = (prefix: string, key: string): string => (/^[A-Za-z_$][\w$]*$/.test(key) ? `${prefix}${prefix ? '.' : ''}${key}` : `${prefix}["${key}"]`);

export const redactPaths: string[] = ['', '*', '*.*', '*.*.*'].flatMap((prefix) => redactedKeys.map((key) => pathFor(prefix, key)));

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    { level: options.level ?? process.env.ODEKAKE_LOG_LEVEL ?? 'info', redact: { paths: redactPaths, censor: '[秘匿]' }, base: undefined },
    (options.destination ?? process.stderr) as pino.DestinationStream,
  );
}

/** A logger that drops everything, for tests that do not look at logs. */
export const silentLogger: Logger = pino({ level: 'silent' });

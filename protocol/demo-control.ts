// The demo's control page ⇄ the demo process (cli/demo-control.ts): what the page may ask, and the
// state it shows. Only the demo serves it; the terminal and the hub know nothing of it.
import { z } from 'zod';

/** The header every call from the control page carries its per-launch token in. */
export const DEMO_CONTROL_TOKEN_HEADER = 'x-demo-token';

export const DemoPrinterName = z.enum(['certificate', 'receipt'], { error: 'プリンターは certificate (A4) か receipt (レシート) です。' });
export const DemoPrinterCondition = z.enum(['ok', 'paper_out', 'cover_open'], { error: 'プリンターの状態は ok・paper_out・cover_open のいずれかです。' });

export const DemoAction = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('card'), do: z.enum(['insert', 'remove', 'reset_tries']) }),
    z.object({ type: z.literal('choose_card'), profile: z.string().regex(/^[a-z0-9-]{1,64}$/, { error: '架空の住民の名前が正しくありません。' }) }),
    z.object({ type: z.literal('printer'), printer: DemoPrinterName, condition: DemoPrinterCondition }),
    z.object({ type: z.literal('network'), connected: z.boolean({ error: 'connected は true か false です。' }) }),
    z.object({ type: z.literal('hub'), running: z.boolean({ error: 'running は true か false です。' }) }),
  ],
  { error: '操作の種類が正しくありません。' },
);
export type DemoAction = z.infer<typeof DemoAction>;

export interface DemoState {
  card: {
    /** False when pcscd was not running at start: no virtual card in this demo. */
    available: boolean;
    inserted: boolean;
    profile: string;
    tries: { kenmen: number; jpkiAuth: number };
    profiles: { id: string; name: string; pin: string; description: string }[];
  };
  printers: Record<z.infer<typeof DemoPrinterName>, z.infer<typeof DemoPrinterCondition>>;
  network: { connected: boolean };
  hub: { running: boolean };
}

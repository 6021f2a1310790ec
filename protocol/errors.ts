// The one error shape that crosses a boundary (IPC, WebSocket, HTTP): a stable code and a Japanese
// message that tells a person what to do next, plus the fields it is about.
import { z } from 'zod';

export const FieldProblem = z.object({ path: z.string(), message: z.string() });
export type FieldProblem = z.infer<typeof FieldProblem>;

export const AppErrorShape = z.object({
  code: z.string(),
  message: z.string(),
  fields: z.array(FieldProblem).optional(),
});
export type AppErrorShape = z.infer<typeof AppErrorShape>;

/** Turns a zod failure into field problems, keeping the Japanese messages the schemas carry. */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: /[\u3040-\u30ff\u4e00-\u9fff]/.test(issue.message) ? issue.message : `入力が正しくありません（${issue.path.join('.') || '全体'}）。`,
  }));
}

/**
 * The base of every error a person may see: a stable code and a Japanese message that says what to
 * do next. `presentable` lets the contract pass it on as is; anything else is hidden as INTERNAL.
 */
export class AppError extends Error {
  readonly presentable = true as const;
  constructor(
    readonly code: string,
    message: string,
    readonly fields?: FieldProblem[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

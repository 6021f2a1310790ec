// One error hierarchy for the terminal. Every error a person may see has a stable code and a
// Japanese message that says what to do next; `presentable` lets the contract pass it on as is.
import type { FieldProblem } from '../../protocol/errors';

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

export class ValidationError extends AppError {
  constructor(fields: FieldProblem[]) {
    super('INVALID_INPUT', fields[0]?.message ?? '入力が正しくありません。', fields);
  }
}

export class TransitionError extends AppError {
  constructor(message: string) {
    super('ILLEGAL_TRANSITION', message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = '指定の受付が見つかりません。一覧から選び直してください。') {
    super('NOT_FOUND', message);
  }
}

export class AuthError extends AppError {}

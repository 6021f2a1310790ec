// The terminal's error hierarchy, rooted in protocol's AppError (shared with the hardware adapters).
import { AppError, type FieldProblem } from '../../protocol/errors';

export { AppError };

export class ValidationError extends AppError {
  constructor(fields: FieldProblem[]) {
    super('INVALID_INPUT', fields[0]?.message ?? '入力が正しくありません。', fields);
  }
}

export { TransitionError } from '../../protocol/workflow';

export class NotFoundError extends AppError {
  constructor(message = '指定の受付が見つかりません。一覧から選び直してください。') {
    super('NOT_FOUND', message);
  }
}

export class AuthError extends AppError {}

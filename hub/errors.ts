// The hub's error hierarchy, rooted in protocol's AppError. Each carries the HTTP status it answers with.
import { AppError, type FieldProblem } from '../protocol/errors';

export { AppError };

export class HubError extends AppError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    fields?: FieldProblem[],
  ) {
    super(code, message, fields);
  }
}

export const badRequest = (code: string, message: string, fields?: FieldProblem[]) => new HubError(400, code, message, fields);
export const unauthorized = (code: string, message: string) => new HubError(401, code, message);
export const forbidden = (code: string, message: string) => new HubError(403, code, message);
export const notFound = (message = '指定のものが見つかりません。一覧を更新してから選び直してください。') => new HubError(404, 'NOT_FOUND', message);
export const conflict = (code: string, message: string) => new HubError(409, code, message);

// Input validation for the hub's routes and services: a zod parse whose failure is a 400 with the
// first field's Japanese message and every field problem.
import type { z } from 'zod';
import { fieldProblems } from '../../protocol/errors';
import { badRequest } from '../errors';

export function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const fields = fieldProblems(r.error);
    throw badRequest('INVALID_INPUT', fields[0]?.message ?? '入力が正しくありません。', fields);
  }
  return r.data;
}

import type { z } from 'zod';
import { ValidationError } from './errors';

/** Parses request input at the edge; a failure becomes a 400 problem naming each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(result.error.issues.map((i) => ({ path: i.path.join('.') || '(input)', message: i.message })));
}

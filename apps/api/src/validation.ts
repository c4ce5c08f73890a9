import type { z } from 'zod';
import { ValidationError } from './errors';

/**
 * The routes' validation hook (`defaultHook` of every OpenAPIHono): a failed parse of path,
 * query or headers becomes a 400 problem naming each bad field, through `app.onError` like
 * every other error.
 */
export function rejectInvalid(result: { success: true } | { success: false; error: z.ZodError }): void {
  if (result.success) return;
  throw new ValidationError(result.error.issues.map((i) => ({ path: i.path.join('.') || '(input)', message: i.message })));
}

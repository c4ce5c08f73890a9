import { z } from 'zod';

/**
 * The values collector and API exchange through Redis, besides the msgpack ones in codec.ts:
 * defined once here so the writer and the readers cannot drift apart. Keys are in keys.ts.
 */

/** A collector's liveness record (`{prefix}collector:{id}:heartbeat`, JSON, expires). */
export const HeartbeatSchema = z.object({
  /** wall-clock ms of the collector's last cycle */
  at: z.number(),
  cycle: z.number(),
  version: z.string(),
  /** the symbols this collector collects at that moment */
  symbols: z.array(z.string()),
});
export type Heartbeat = z.infer<typeof HeartbeatSchema>;

/** A heartbeat older than this has expired: the collector is gone. */
export const HEARTBEAT_TTL_SECONDS = 10;

/** An API key record (`{prefix}apikeys` hash: hex SHA-256 of the key → JSON); the key itself is never stored. */
export const ApiKeyRecordSchema = z.object({ name: z.string(), createdAt: z.number(), revoked: z.boolean() });
export type ApiKeyRecord = z.infer<typeof ApiKeyRecordSchema>;

export const encodeHeartbeat = (h: Heartbeat): string => JSON.stringify(h);
export const encodeApiKeyRecord = (r: ApiKeyRecord): string => JSON.stringify(r);

/** Parses a stored API key record (a JSON string, or the object a JSON-decoding client returns); null if unusable. */
export function decodeApiKeyRecord(value: unknown): ApiKeyRecord | null {
  const parsed = ApiKeyRecordSchema.safeParse(typeof value === 'string' ? safeJson(value) : value);
  return parsed.success ? parsed.data : null;
}

/** Parses a stored heartbeat (JSON string or decoded object); null if unusable. */
export function decodeHeartbeat(value: unknown): Heartbeat | null {
  const parsed = HeartbeatSchema.safeParse(typeof value === 'string' ? safeJson(value) : value);
  return parsed.success ? parsed.data : null;
}

/** A `{prefix}seen` field value: the wall-clock ms of the symbol's last successful poll, as decimal text. */
export const encodeSeen = (at: number): string => String(Math.round(at));

export function decodeSeen(value: Uint8Array | string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  // Decimal digits only: decoding them byte by byte needs no TextDecoder (absent from core's lib).
  const at = Number(typeof value === 'string' ? value : String.fromCharCode(...value));
  return Number.isFinite(at) && at > 0 ? at : null;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

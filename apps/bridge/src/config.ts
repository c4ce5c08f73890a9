import { randomBytes } from 'node:crypto';
import { z } from 'zod';

const BridgeEnvSchema = z.object({
  BRIDGE_PORT: z.coerce.number().int().min(0).max(65_535).default(8079),
  BRIDGE_TOKEN: z.string().min(16).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
});

export interface BridgeConfig {
  port: number;
  token: string;
  redisUrl: string;
}

export class BridgeConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(readonly issues: string[]) {
    super(`invalid bridge configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'BridgeConfigError';
  }
}

/** Reads BRIDGE_PORT / BRIDGE_TOKEN / REDIS_URL once; a missing token is generated. */
export function loadBridgeConfig(env: Record<string, string | undefined> = process.env): BridgeConfig {
  const parsed = BridgeEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new BridgeConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const { BRIDGE_PORT, BRIDGE_TOKEN, REDIS_URL } = parsed.data;
  return { port: BRIDGE_PORT, token: BRIDGE_TOKEN ?? randomBytes(24).toString('base64url'), redisUrl: REDIS_URL };
}

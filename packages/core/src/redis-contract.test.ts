import { describe, expect, it } from 'vitest';
import { decodeApiKeyRecord, decodeHeartbeat, decodeSeen, encodeApiKeyRecord, encodeHeartbeat, encodeSeen } from './redis-contract';

describe('the Redis contract between collector and API', () => {
  it('round-trips heartbeats and API key records, as JSON text or as the object a JSON-decoding client returns', () => {
    const hb = { at: 1_796_000_000_000, cycle: 42, version: '0.1.0', symbols: ['EURUSD'] };
    expect(decodeHeartbeat(encodeHeartbeat(hb))).toEqual(hb);
    expect(decodeHeartbeat(JSON.parse(encodeHeartbeat(hb)))).toEqual(hb);
    const key = { name: 'bot', createdAt: 1, revoked: false };
    expect(decodeApiKeyRecord(encodeApiKeyRecord(key))).toEqual(key);
    expect(decodeApiKeyRecord(key)).toEqual(key);
  });

  it('answers null for what it cannot use, never throws', () => {
    expect(decodeHeartbeat('{not json')).toBeNull();
    expect(decodeHeartbeat({ at: 'soon' })).toBeNull();
    expect(decodeApiKeyRecord({ name: 'x' })).toBeNull();
    expect(decodeApiKeyRecord(null)).toBeNull();
  });

  it('reads last-seen times from text or raw bytes', () => {
    expect(decodeSeen(encodeSeen(1_796_000_000_123.4))).toBe(1_796_000_000_123);
    expect(decodeSeen(Uint8Array.from([...'1796000000123'].map((c) => c.charCodeAt(0))))).toBe(1_796_000_000_123);
    expect(decodeSeen(null)).toBeNull();
    expect(decodeSeen('garbage')).toBeNull();
  });
});

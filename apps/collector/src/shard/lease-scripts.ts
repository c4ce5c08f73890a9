/**
 * The Lua scripts behind leases, run by Redis atomically (plain Redis commands, so they run on
 * Upstash too). Times come from Redis's own clock (TIME), so collectors on several machines
 * agree on who is live without synchronised clocks.
 */

/**
 * Membership: records the caller as live now, forgets members silent for a minute, and returns
 * the members seen within the lease TTL. KEYS[1] members zset; ARGV: id, ttlMs.
 */
export const MEMBERS_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60000)
return redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[2]), '+inf')
`;

/**
 * Leases: the first ARGV[3] keys are wanted (renewed when held with this token, taken with
 * SET NX PX when free), the rest are given up (deleted only if still ours). Returns per key
 * 1 = held and renewed, 2 = newly taken, 0 = not ours. KEYS: lease keys; ARGV: token, ttlMs, wanted.
 */
export const CLAIM_LUA = `
local token, ttl, wanted = ARGV[1], ARGV[2], tonumber(ARGV[3])
local out = {}
for i = 1, #KEYS do
  local holder = redis.call('GET', KEYS[i])
  if i <= wanted then
    if holder == token then
      redis.call('PEXPIRE', KEYS[i], ttl)
      out[i] = 1
    elseif redis.call('SET', KEYS[i], token, 'NX', 'PX', ttl) then
      out[i] = 2
    else
      out[i] = 0
    end
  else
    if holder == token then redis.call('DEL', KEYS[i]) end
    out[i] = 0
  end
end
return out
`;

/**
 * A fenced write of one symbol's share of a cycle: nothing is written unless the symbol's lease
 * still holds the writer's token, checked in the same atomic step as the writes, so a collector
 * that was paused or cut off past its lease cannot overwrite its successor. A change of writer
 * is logged (the handover list, last 1,000 entries: "symbol from to ms") for operators.
 * KEYS: lease, writer hash, handover list, then the hashes to set the symbol's field in, then
 * the bar sorted sets. ARGV: token, symbol, writer id, window bars, number of hashes, one value
 * per hash, then per sorted set: its bar count and (ts, bar) pairs. Returns 1 written, 0 fenced.
 */
export const FENCED_WRITE_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local symbol, writer, window, hashes = ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
for i = 1, hashes do redis.call('HSET', KEYS[3 + i], symbol, ARGV[5 + i]) end
local a = 6 + hashes
for k = 4 + hashes, #KEYS do
  local n = tonumber(ARGV[a])
  a = a + 1
  for _ = 1, n do
    redis.call('ZREMRANGEBYSCORE', KEYS[k], ARGV[a], ARGV[a])
    redis.call('ZADD', KEYS[k], ARGV[a], ARGV[a + 1])
    a = a + 2
  end
  redis.call('ZREMRANGEBYRANK', KEYS[k], 0, -(window + 1))
end
local previous = redis.call('HGET', KEYS[2], symbol)
if previous ~= writer then
  redis.call('HSET', KEYS[2], symbol, writer)
  local t = redis.call('TIME')
  local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('RPUSH', KEYS[3], symbol .. ' ' .. (previous or '-') .. ' ' .. writer .. ' ' .. ms)
  redis.call('LTRIM', KEYS[3], -1000, -1)
end
return 1
`;

/** The keys of the shard coordination, under the deployment's prefix. */
export function shardKeys(prefix: string) {
  return {
    members: `${prefix}shard:members`,
    lease: (symbol: string) => `${prefix}shard:lease:${symbol}`,
    writer: `${prefix}shard:writer`,
    handovers: `${prefix}shard:handovers`,
  };
}
export type ShardKeys = ReturnType<typeof shardKeys>;

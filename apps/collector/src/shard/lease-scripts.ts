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
 * The fenced write of a cycle: each symbol's part is written only if the symbol's lease still
 * holds the writer's token, checked in the same atomic step as the writes, so a collector that
 * was paused or cut off past its lease cannot overwrite its successor. The heartbeat is written
 * here too, listing only the symbols whose lease is the writer's at this instant (a collector
 * waking from a pause must not claim what it lost). A change of writer is logged (the handover
 * list, last 1,000 entries: "symbol from to ms") for operators.
 * KEYS: writer hash, handover list, heartbeat key, then per symbol: its lease, the hashes to set
 * its field in, its bar sorted sets; then the leases of the heartbeat's symbols.
 * ARGV: token, writer id, window bars, symbol count, heartbeat JSON up to its symbols array and
 * after it ('' = no heartbeat), heartbeat TTL (s), heartbeat symbol count; then per symbol: the
 * symbol, its key count, its hash count, one value per hash, then per sorted set its bar count
 * and (ts, bar) pairs; then the heartbeat's symbols as JSON strings.
 * Returns the symbols refused (their lease is not the writer's).
 */
export const FENCED_CYCLE_LUA = `
local token, writer, window, n = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local k, a = 4, 9
local refused = {}
for _ = 1, n do
  local symbol, nkeys, hashes = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  a = a + 3
  local own = redis.call('GET', KEYS[k]) == token
  for i = 1, hashes do
    if own then redis.call('HSET', KEYS[k + i], symbol, ARGV[a]) end
    a = a + 1
  end
  for z = k + 1 + hashes, k + nkeys - 1 do
    local count = tonumber(ARGV[a])
    a = a + 1
    for _ = 1, count do
      if own then
        redis.call('ZREMRANGEBYSCORE', KEYS[z], ARGV[a], ARGV[a])
        redis.call('ZADD', KEYS[z], ARGV[a], ARGV[a + 1])
      end
      a = a + 2
    end
    if own then redis.call('ZREMRANGEBYRANK', KEYS[z], 0, -(window + 1)) end
  end
  k = k + nkeys
  if own then
    local previous = redis.call('HGET', KEYS[1], symbol)
    if previous ~= writer then
      redis.call('HSET', KEYS[1], symbol, writer)
      redis.call('RPUSH', KEYS[2], symbol .. ' ' .. (previous or '-') .. ' ' .. writer .. ' ' .. ms)
    end
  else
    refused[#refused + 1] = symbol
  end
end
redis.call('LTRIM', KEYS[2], -1000, -1)
if ARGV[5] ~= '' then
  local held = {}
  for i = 1, tonumber(ARGV[8]) do
    if redis.call('GET', KEYS[k + i - 1]) == token then held[#held + 1] = ARGV[a + i - 1] end
  end
  redis.call('SET', KEYS[3], ARGV[5] .. table.concat(held, ',') .. ARGV[6], 'EX', ARGV[7])
end
return refused
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

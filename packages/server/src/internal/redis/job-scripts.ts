/**
 * The changes to a job record in Redis, each one Lua script so that it is atomic across nodes: an API replica
 * cancelling, a worker finishing and another worker's timeout cannot interleave, and only the first to settle a job
 * wins. The record also counts who still reads the upload (the job until it is settled, the engine attempt in
 * progress): whoever lets go last is told to remove the file, so the lease of an upload holds across processes.
 */
import { RedisScript } from './redis-script.js'

const common = `
local terminal = { completed = true, failed = true, cancelled = true, timeout = true }
-- 1 (and the upload's name) when nothing holds the upload any more and nobody was told to remove it yet.
local function releaseUpload(key)
  if redis.call('HEXISTS', key, 'jobHold') == 1 or redis.call('HEXISTS', key, 'engineHold') == 1 then
    return {0, ''}
  end
  if redis.call('HSETNX', key, 'uploadRemoved', '1') == 1 then
    return {1, redis.call('HGET', key, 'upload') or ''}
  end
  return {0, ''}
end
`

/**
 * KEYS: job, sequence, owner index, organization index (the owner index again when there is none), pending.
 * ARGV: id, now, then field/value pairs. Returns the job's sequence number.
 */
export const createJob: RedisScript = new RedisScript(`
local sequence = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'sequence', sequence, 'jobHold', '1', unpack(ARGV, 3))
redis.call('ZADD', KEYS[3], sequence, ARGV[1])
if KEYS[4] ~= KEYS[3] then redis.call('ZADD', KEYS[4], sequence, ARGV[1]) end
redis.call('ZADD', KEYS[5], ARGV[2], ARGV[1])
return sequence
`)

/**
 * An engine attempt begins. KEYS: job, pending. ARGV: id, now, attempt token.
 * Returns {'run'}, {'missing'}, or {'settled', remove, upload} for a job settled before it ran (a stale hold of a
 * worker that died is dropped then).
 */
export const startAttempt: RedisScript = new RedisScript(`${common}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
local status = redis.call('HGET', KEYS[1], 'status')
if terminal[status] then
  redis.call('HDEL', KEYS[1], 'engineHold')
  local released = releaseUpload(KEYS[1])
  return {'settled', released[1], released[2]}
end
redis.call('HSET', KEYS[1], 'engineHold', ARGV[3], 'status', 'running', 'updatedAt', ARGV[2])
if redis.call('HEXISTS', KEYS[1], 'startedAt') == 0 then
  redis.call('HSET', KEYS[1], 'startedAt', ARGV[2])
  local timeoutMs = redis.call('HGET', KEYS[1], 'timeoutMs')
  if timeoutMs then
    redis.call('HSET', KEYS[1], 'deadline', string.format('%.0f', tonumber(ARGV[2]) + tonumber(timeoutMs)))
  end
end
redis.call('ZREM', KEYS[2], ARGV[1])
return {'run'}
`)

/**
 * Settle a job, unless it already is. KEYS: job, pending, expiring. ARGV: id, now, status, the engine attempt that
 * lets go of the upload ('' none, '*' whichever holds it), channel, then field/value pairs.
 * An attempt whose hold was taken over by another changes nothing. The record expires after its ttlMs, and its id is
 * published on the channel. Returns {settled, remove, upload}.
 */
export const finishJob: RedisScript = new RedisScript(`${common}
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0, ''} end
local attempt = ARGV[4]
local holder = redis.call('HGET', KEYS[1], 'engineHold')
if attempt == '*' or (attempt ~= '' and holder == attempt) then
  redis.call('HDEL', KEYS[1], 'engineHold')
elseif attempt ~= '' then
  -- A stale attempt (another worker took the job over): it only lets go of nothing.
  return {0, 0, ''}
end
local status = redis.call('HGET', KEYS[1], 'status')
if terminal[status] then
  local released = releaseUpload(KEYS[1])
  return {0, released[1], released[2]}
end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'completedAt', ARGV[2], 'updatedAt', ARGV[2])
if #ARGV >= 6 then redis.call('HSET', KEYS[1], unpack(ARGV, 6)) end
redis.call('HDEL', KEYS[1], 'jobHold')
redis.call('ZREM', KEYS[2], ARGV[1])
local ttl = tonumber(redis.call('HGET', KEYS[1], 'ttlMs'))
redis.call('PEXPIRE', KEYS[1], ttl)
local indexes = redis.call('HMGET', KEYS[1], 'ownerIndex', 'organizationIndex')
local member = ARGV[1] .. '\\n' .. (indexes[1] or '') .. '\\n' .. (indexes[2] or '')
redis.call('ZADD', KEYS[3], string.format('%.0f', tonumber(ARGV[2]) + ttl), member)
redis.call('PUBLISH', ARGV[5], ARGV[1])
local released = releaseUpload(KEYS[1])
return {1, released[1], released[2]}
`)

/**
 * An engine attempt lets go of the upload. KEYS: job. ARGV: attempt token. Returns {remove, upload}; remove is 1
 * with an empty name when the record is gone (expired): the caller removes the file it knows.
 */
export const releaseAttempt: RedisScript = new RedisScript(`${common}
if redis.call('EXISTS', KEYS[1]) == 0 then return {1, ''} end
if redis.call('HGET', KEYS[1], 'engineHold') == ARGV[1] then redis.call('HDEL', KEYS[1], 'engineHold') end
return releaseUpload(KEYS[1])
`)

/**
 * A worker that stops hands its running job back: pending again, for the next worker. KEYS: job, pending.
 * ARGV: id, now, attempt token. Returns {remove, upload} (the job may have been settled meanwhile).
 */
export const handBack: RedisScript = new RedisScript(`${common}
if redis.call('EXISTS', KEYS[1]) == 0 then return {1, ''} end
local held = redis.call('HGET', KEYS[1], 'engineHold') == ARGV[3]
if held then
  redis.call('HDEL', KEYS[1], 'engineHold')
  if redis.call('HGET', KEYS[1], 'status') == 'running' then
    redis.call('HSET', KEYS[1], 'status', 'pending', 'updatedAt', ARGV[2])
    redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
  end
end
return releaseUpload(KEYS[1])
`)

/**
 * One page of an index, newest first, after forgetting the expired jobs of every index. KEYS: index, expiring.
 * ARGV: now, skip, perPage. Returns {totalCount, ids}.
 */
export const listJobs: RedisScript = new RedisScript(`
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 1000)
for _, member in ipairs(expired) do
  local id, ownerIndex, organizationIndex = string.match(member, '^([^\\n]*)\\n([^\\n]*)\\n(.*)$')
  if id then
    if ownerIndex ~= '' then redis.call('ZREM', ownerIndex, id) end
    if organizationIndex ~= '' then redis.call('ZREM', organizationIndex, id) end
  end
  redis.call('ZREM', KEYS[2], member)
end
local skip = tonumber(ARGV[2])
local ids = redis.call('ZREVRANGE', KEYS[1], skip, skip + tonumber(ARGV[3]) - 1)
return {redis.call('ZCARD', KEYS[1]), ids}
`)

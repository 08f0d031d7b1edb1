// Upsert a backend record and its index entry atomically, and drop index entries whose records
// have expired. A live entry registered from another source is kept when ARGV[5] is "1" (no
// registration secret: only the same address may refresh it); a full table refuses a new id and
// never evicts one. A new service or pid for the id (the origin restarted, its streams are gone)
// drops the stream bindings that point at it, when ARGV[9] (stream key prefix) is given.
// A heartbeat clears a failure report (KEYS[4]); both only when ARGV[9] is given (nodes pass '').
// KEYS: backend record, backend index, the backend's stream set, its suspect key.
// ARGV: record JSON, id, now ms, retention ms, same-source-only "1"/"0", source, alive ms,
// max backends, stream key prefix.
// Returns 2 (stored, new or back from dead), 3 (stored, pid/service/ip changed), 1 (stored,
// heartbeat), 0 (taken by another source), -1 (table full).
export const REGISTER_BACKEND = `
local now = tonumber(ARGV[3])
local retention = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - retention)
local existing = redis.call('GET', KEYS[1])
local old = nil
local kind = 2
if existing then
  old = cjson.decode(existing)
  local alive = now - tonumber(old.updatedAt) <= tonumber(ARGV[7])
  if ARGV[5] == '1' and old.source ~= ARGV[6] and alive then
    return 0
  end
  if alive then
    local new = cjson.decode(ARGV[1])
    kind = 1
    if old.pid ~= new.pid or old.service ~= new.service or old.ip ~= new.ip then kind = 3 end
  end
end
if not existing and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[8]) then
  return -1
end
if old and ARGV[9] ~= '' then
  local new = cjson.decode(ARGV[1])
  if old.service ~= new.service or old.pid ~= new.pid then
    for _, key in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
      if redis.call('GET', ARGV[9] .. key) == ARGV[2] then redis.call('DEL', ARGV[9] .. key) end
    end
    redis.call('DEL', KEYS[3])
  end
end
if ARGV[9] ~= '' then redis.call('DEL', KEYS[4]) end
redis.call('SET', KEYS[1], ARGV[1], 'PX', retention)
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('PEXPIRE', KEYS[2], retention)
return kind
`;

// Upsert a backend record and its index entry atomically, and drop index entries whose records
// have expired. KEYS: backend record, backend index. ARGV: record JSON, id, now ms, retention ms.
export const REGISTER_BACKEND = `
local now = tonumber(ARGV[3])
local retention = tonumber(ARGV[4])
redis.call('SET', KEYS[1], ARGV[1], 'PX', retention)
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - retention)
redis.call('PEXPIRE', KEYS[2], retention)
return 1
`;

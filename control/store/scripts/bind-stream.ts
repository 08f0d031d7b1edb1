// Stream bindings an origin's hooks dictate. KEYS: stream binding, backend record, the backend's
// stream set; the old backend's set is found through ARGV.
import { LUA_BACKEND_STATE } from './backend-state.ts';

// on_publish: bind the stream to this backend unless it is dead. ARGV: now ms, alive ms,
// suspect ms, stream ttl ms, backend id, stream key, stream set prefix, suspect key prefix.
// Returns 1 or 0.
export const BIND_STREAM = `
local now = tonumber(ARGV[1])
local alive = tonumber(ARGV[2])
local suspect = tonumber(ARGV[3])
local suspect_prefix = ARGV[8]
${LUA_BACKEND_STATE}
local json = redis.call('GET', KEYS[2])
if not json or backend_state(cjson.decode(json), ARGV[5]) == 'dead' then return 0 end
local old = redis.call('GET', KEYS[1])
if old and old ~= ARGV[5] then redis.call('ZREM', ARGV[7] .. old, ARGV[6]) end
redis.call('SET', KEYS[1], ARGV[5], 'PX', ARGV[4])
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[6])
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return 1
`;

// on_unpublish: drop the binding only if it still points at this backend.
// ARGV: backend id, stream key. Returns 1 or 0.
export const UNBIND_STREAM = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[2])
return 1
`;

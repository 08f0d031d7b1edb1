// Route a stream in one round trip: keep its bound backend while alive (draining or not), otherwise
// bind the cheapest live backend that has the protocol and is not draining (control/placement.ts:
// (load score + streams bound to it) / weight, ties broken by the random draw; suspect backends
// only when nothing is alive). Atomic, so two control-plane instances racing on a new stream bind
// it once.
// KEYS: stream binding, backend index, draining set.
// ARGV: now ms, alive ms, proto, random [0,1), stream ttl ms, backend key prefix, suspect ms,
// per-backend stream set prefix, stream key, suspect key prefix, stream-protocols key prefix.
// Returns {backend JSON, 'existing' | 'new' | 'repick'}, or false when no live backend has the
// protocol ('repick': the stream had a binding whose backend is no longer alive).
import { LUA_BACKEND_STATE } from './backend-state.ts';

export const PICK_BACKEND = `
local now = tonumber(ARGV[1])
local alive = tonumber(ARGV[2])
local proto = ARGV[3]
local ttl = tonumber(ARGV[5])
local prefix = ARGV[6]
local suspect = tonumber(ARGV[7])
local sprefix = ARGV[8]
local member = ARGV[9]
local suspect_prefix = ARGV[10]
local protos_key = ARGV[11] .. member
${LUA_BACKEND_STATE}
local function bind(id, json, decision)
  redis.call('SET', KEYS[1], id, 'PX', ttl)
  -- The protocols seen on this binding, for the operator's bindings view; a new origin starts afresh.
  if decision ~= 'existing' then redis.call('DEL', protos_key) end
  redis.call('SADD', protos_key, proto)
  redis.call('PEXPIRE', protos_key, ttl)
  redis.call('ZADD', sprefix .. id, now + ttl, member)
  redis.call('PEXPIRE', sprefix .. id, ttl)
  return {json, decision}
end
local bound = redis.call('GET', KEYS[1])
local bound_json, bound_state = nil, 'dead'
if bound then
  bound_json = redis.call('GET', prefix .. bound)
  if bound_json then bound_state = backend_state(cjson.decode(bound_json), bound) end
  if bound_state == 'alive' then return bind(bound, bound_json, 'existing') end
  redis.call('ZREM', sprefix .. bound, member)
end
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], now - alive, '+inf')
table.sort(ids)
local by_state = { alive = {}, suspect = {} }
for _, id in ipairs(ids) do
  local json = redis.call('GET', prefix .. id)
  if json and redis.call('SISMEMBER', KEYS[3], id) == 0 then
    local r = cjson.decode(json)
    local s = backend_state(r, id)
    if s ~= 'dead' and type(r.endpoints) == 'table' and type(r.endpoints[proto]) == 'table' and #r.endpoints[proto] > 0 then
      table.insert(by_state[s], { id = id, json = json, r = r })
    end
  end
end
local candidates = by_state.alive
if #candidates == 0 then
  if bound_state == 'suspect' then return bind(bound, bound_json, 'existing') end
  candidates = by_state.suspect
end
if #candidates == 0 then return false end
local min = math.huge
for _, c in ipairs(candidates) do
  redis.call('ZREMRANGEBYSCORE', sprefix .. c.id, '-inf', now)
  local score = 0
  if type(c.r.load) == 'table' and tonumber(c.r.load.score) then score = tonumber(c.r.load.score) end
  local weight = tonumber(c.r.weight) or 1
  c.cost = (score + redis.call('ZCARD', sprefix .. c.id)) / weight
  if c.cost < min then min = c.cost end
end
local ties = {}
for _, c in ipairs(candidates) do
  if c.cost - min <= 1e-9 then table.insert(ties, c) end
end
local i = math.floor(tonumber(ARGV[4]) * #ties) + 1
if i > #ties then i = #ties end
local decision = 'new'
if bound then decision = 'repick' end
return bind(ties[i].id, ties[i].json, decision)
`;

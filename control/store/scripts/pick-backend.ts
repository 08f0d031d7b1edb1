// Route a stream in one round trip: keep its bound backend while alive, otherwise bind a random
// live backend that has the protocol and is not draining. Atomic, so two control-plane instances
// racing on a new stream bind it once. KEYS: stream binding, backend index, draining set.
// ARGV: now ms, alive ms, proto, random [0,1), stream ttl ms, backend key prefix.
// Returns {backend JSON, 'existing' | 'new' | 'repick'}, or false when no live backend has the protocol.
export const PICK_BACKEND = `
local now = tonumber(ARGV[1])
local alive = tonumber(ARGV[2])
local proto = ARGV[3]
local prefix = ARGV[6]
local function alive_record(json)
  if not json then return nil end
  local record = cjson.decode(json)
  if now - tonumber(record.updatedAt) > alive then return nil end
  return record
end
local bound = redis.call('GET', KEYS[1])
if bound then
  local json = redis.call('GET', prefix .. bound)
  if alive_record(json) then
    redis.call('PEXPIRE', KEYS[1], ARGV[5])
    return {json, 'existing'}
  end
end
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], now - alive, '+inf')
local ok_ids, ok_json = {}, {}
for _, id in ipairs(ids) do
  local json = redis.call('GET', prefix .. id)
  local record = alive_record(json)
  if record and redis.call('SISMEMBER', KEYS[3], id) == 0 and record.endpoints and type(record.endpoints[proto]) == 'table' and #record.endpoints[proto] > 0 then
    table.insert(ok_ids, id)
    table.insert(ok_json, json)
  end
end
if #ok_ids == 0 then return false end
local i = math.floor(tonumber(ARGV[4]) * #ok_ids) + 1
if i > #ok_ids then i = #ok_ids end
redis.call('SET', KEYS[1], ok_ids[i], 'PX', ARGV[5])
if bound then return {ok_json[i], 'repick'} end
return {ok_json[i], 'new'}
`;

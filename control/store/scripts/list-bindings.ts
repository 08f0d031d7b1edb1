// Live stream bindings for the operator view, bounded: SCANs the binding keys until `limit`
// bindings or `max scans` cursor steps. ARGV: key pattern, limit, max scans, prefix length,
// stream-protocols key prefix. Returns a flat list: stream key, backend id, ttl ms,
// comma-separated protocols seen, ...
export const LIST_BINDINGS = `
local limit = tonumber(ARGV[2])
local out = {}
local cursor = '0'
local scans = 0
repeat
  local page = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 200)
  cursor = page[1]
  scans = scans + 1
  for _, key in ipairs(page[2]) do
    if #out >= limit * 4 then break end
    local id = redis.call('GET', key)
    if id then
      local stream = string.sub(key, tonumber(ARGV[4]) + 1)
      local protos = redis.call('SMEMBERS', ARGV[5] .. stream)
      table.sort(protos)
      table.insert(out, stream)
      table.insert(out, id)
      table.insert(out, tostring(redis.call('PTTL', key)))
      table.insert(out, table.concat(protos, ','))
    end
  end
until cursor == '0' or #out >= limit * 4 or scans >= tonumber(ARGV[3])
return out
`;

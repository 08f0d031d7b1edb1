// Live stream bindings for the operator view, bounded: SCANs the binding keys until `limit`
// bindings or `max scans` cursor steps. ARGV: key pattern, limit, max scans, prefix length.
// Returns a flat list: stream key, backend id, ttl ms, ...
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
    if #out >= limit * 3 then break end
    local id = redis.call('GET', key)
    if id then
      table.insert(out, string.sub(key, tonumber(ARGV[4]) + 1))
      table.insert(out, id)
      table.insert(out, tostring(redis.call('PTTL', key)))
    end
  end
until cursor == '0' or #out >= limit * 3 or scans >= tonumber(ARGV[3])
return out
`;

// Every backend record still in the index. KEYS: backend index. ARGV: backend key prefix.
export const LIST_BACKENDS = `
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local out = {}
for _, id in ipairs(ids) do
  local json = redis.call('GET', ARGV[1] .. id)
  if json then table.insert(out, json) end
end
return out
`;

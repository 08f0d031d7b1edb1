// Every backend record still in the index, each followed by its failure-report time ('' for
// none; always '' when ARGV[2], the suspect key prefix, is empty).
// KEYS: backend index. ARGV: backend key prefix, suspect key prefix.
export const LIST_BACKENDS = `
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local out = {}
for _, id in ipairs(ids) do
  local json = redis.call('GET', ARGV[1] .. id)
  if json then
    table.insert(out, json)
    local at = false
    if ARGV[2] ~= '' then at = redis.call('GET', ARGV[2] .. id) end
    table.insert(out, at or '')
  end
end
return out
`;

// Lua shared by the scripts that judge backends: the same rule as backendState() in store.ts.
// A report's time lives in its own key (`suspect` prefix + id), so the record JSON is never
// re-encoded in Lua (cjson would round large numbers and turn [] into {}).
// Expects locals `now`, `alive`, `suspect` (ms) and `suspect_prefix` in scope.
export const LUA_BACKEND_STATE = `
local function backend_state(r, id)
  if now - tonumber(r.updatedAt) > alive then return 'dead' end
  local at = redis.call('GET', suspect_prefix .. id)
  if not at then return 'alive' end
  if now - tonumber(at) <= suspect then return 'suspect' end
  return 'dead'
end
`;

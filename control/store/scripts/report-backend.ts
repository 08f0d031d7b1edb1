// A node's report on a backend: "0" marks it suspect at ARGV[2] (the first report counts, so
// repeated reports do not stretch the window), "1" clears it. The register script clears it too.
// KEYS: backend record, its suspect key. ARGV: ok "1"/"0", now ms, retention ms.
// Returns 1, or 0 for an unknown backend.
export const REPORT_BACKEND = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == '1' then
  redis.call('DEL', KEYS[2])
else
  redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3])
end
return 1
`;

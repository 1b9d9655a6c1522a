/**
 * Lua that counts one hit in a fixed window (the scheme rate-limit-redis uses): KEYS[1] is
 * the counter, ARGV[1] the window in ms, started by the first hit. Leaves `hits` (this one
 * included) and `ttl` (ms until the window resets) for the script it opens.
 */
export const COUNT_HIT_LUA = `
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
`;

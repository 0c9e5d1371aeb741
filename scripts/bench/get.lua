dofile(os.getenv("LUA_DIR") .. "/report.lua")
-- GET one of many records at random, with a bearer token or a session cookie.
-- Env: IDS (file of ids), AUTH ("Bearer x" or "cookie:vitrine_session=x"), PREFIX (path before the id).
local ids = {}
for line in io.lines(os.getenv("IDS")) do ids[#ids + 1] = line end
local auth = os.getenv("AUTH")
local prefix = os.getenv("PREFIX") or "/api/v1/objects/"
local headers = {}
if auth:sub(1, 7) == "cookie:" then headers["Cookie"] = auth:sub(8) else headers["Authorization"] = auth end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", prefix .. ids[math.random(#ids)], headers)
end
done = function(summary, latency, requests) report(summary, latency) end

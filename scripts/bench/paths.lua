dofile(os.getenv("LUA_DIR") .. "/report.lua")
-- GET the paths of a file in turn (each connection starts at a different line).
-- Env: PATHS (file of request paths), AUTH (optional "Bearer x").
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local i = 0
local headers = {}
if os.getenv("AUTH") then headers["Authorization"] = os.getenv("AUTH") end
setup = function(thread) thread:set("offset", math.random(#paths)) end
request = function()
  i = i + 1
  return wrk.format("GET", paths[((i + (offset or 0)) % #paths) + 1], headers)
end
done = function(summary, latency, requests) report(summary, latency) end

dofile(os.getenv("LUA_DIR") .. "/report.lua")
-- GET filtered list pages of 50 rows (department x status x sort), staff session.
local auth = os.getenv("AUTH")
local path = os.getenv("LIST_PATH") or "/staff/objects"
local headers = {}
if auth:sub(1, 7) == "cookie:" then headers["Cookie"] = auth:sub(8) else headers["Authorization"] = auth end
local depts = { "history", "fine_arts", "natural_history" }
local statuses = { "in_collection", "on_display", "on_loan", "in_conservation" }
local sorts = { "object_number", "-updated_at", "year", "-object_number" }
math.randomseed(os.time())
request = function()
  local q = string.format("?department=%s&status=%s&sort=%s&limit=50", depts[math.random(#depts)],
    statuses[math.random(#statuses)], sorts[math.random(#sorts)])
  return wrk.format("GET", path .. q, headers)
end
done = function(summary, latency, requests) report(summary, latency) end

dofile(os.getenv("LUA_DIR") .. "/report.lua")
-- PATCH records with If-Match, each thread walking its own records in order, tracking
-- versions, so every write is a real audited update (a 412 would count as an error).
-- Env: IDS (file of ids, each at version 1), AUTH ("Bearer x").
local threads = {}
local counter = 0
setup = function(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
init = function(args)
  ids, ver, idx = {}, {}, 1
  local i = 0
  local nthreads = tonumber(os.getenv("THREADS") or "2")
  for line in io.lines(os.getenv("IDS")) do
    if i % nthreads == tid then ids[#ids + 1] = line; ver[#ids] = 1 end
    i = i + 1
  end
  headers = { ["Authorization"] = os.getenv("AUTH"), ["Content-Type"] = "application/merge-patch+json" }
end
request = function()
  local k = idx
  idx = idx % #ids + 1
  headers["If-Match"] = '"v' .. ver[k] .. '"'
  ver[k] = ver[k] + 1
  local body = string.format('{"title":{"en":"Benchmark edit %d"},"number_of_parts":%d}', ver[k], (ver[k] % 5) + 1)
  return wrk.format("PATCH", "/api/v1/objects/" .. ids[k], headers, body)
end
done = function(summary, latency, requests) report(summary, latency) end

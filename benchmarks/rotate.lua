-- wrk script: a different credential per request, never reused.
-- usage: wrk -tT ... -s rotate.lua URL -- MODE T FILE [TOKEN_FILE]
--   MODE "dpop":   Authorization: DPoP <token from TOKEN_FILE>, DPoP: <next line of FILE>
--   MODE "bearer": Authorization: Bearer <next line of FILE>
-- Each thread takes every Nth line; when its lines run out the thread stops, so the run is
-- bounded by the number of lines as well as by wrk's duration.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

local lines, pos, mode, token = {}, 1, nil, nil

function init(args)
  mode = args[1]
  local nthreads = tonumber(args[2])
  local n = 0
  for line in io.lines(args[3]) do
    if n % nthreads == id then
      table.insert(lines, line)
    end
    n = n + 1
  end
  if mode == "dpop" then
    local f = assert(io.open(args[4], "r"))
    token = f:read("*l")
    f:close()
  end
end

function request()
  local line = lines[pos]
  if line == nil then
    -- Out of credentials: stop this thread. wrk still sends what we return here (once per
    -- connection), so send the public route rather than replay a proof (a certain 4xx).
    wrk.thread:set("exhausted", true)
    wrk.thread:stop()
    return wrk.format("GET", "/api/public")
  end
  pos = pos + 1
  if mode == "dpop" then
    return wrk.format("GET", nil, { ["Authorization"] = "DPoP " .. token, ["DPoP"] = line })
  end
  return wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. line })
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    if thread:get("exhausted") then
      io.write("credential pool exhausted: a thread ran out of lines before the duration ended\n")
      break
    end
  end
  io.write(string.format("non2xx_or_errors %d\n",
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end

-- wrk script: send every request with the same Authorization header, read from a file.
-- usage: wrk ... -s header.lua URL -- FILE SCHEME
local auth
function init(args)
  local f = assert(io.open(args[1], "r"))
  auth = args[2] .. " " .. f:read("*l")
  f:close()
  wrk.headers["Authorization"] = auth
end

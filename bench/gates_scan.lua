-- wrk script for the gate benchmark: POST a fresh pass with a fresh scan id per request.
-- Environment: GATE_TOKEN (device token), GATE_PASSES (file with one pass per line).
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  passes = {}
  for line in io.lines(os.getenv("GATE_PASSES")) do passes[#passes + 1] = line end
  nthreads = tonumber(os.getenv("GATE_THREADS") or "4")
  index = tid - 1
  math.randomseed(os.time() + tid * 7919)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("GATE_TOKEN")
end

local function uuid4()
  local template = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
  return (string.gsub(template, "[xy]", function (c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

function request()
  local pass = passes[(index % #passes) + 1]
  index = index + nthreads
  local body = '{"scan_id":"' .. uuid4() .. '","direction":"in","text":"' .. pass .. '"}'
  return wrk.format(nil, nil, nil, body)
end

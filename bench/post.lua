-- wrk: POST a JSON body with a fresh client_id (a random UUID) each request.
-- Set by bench/writes.py through the environment: BENCH_PATH, BENCH_BODY (a JSON object body
-- without its opening brace), BENCH_COOKIE, BENCH_CSRF.
local counter = 1

function setup(thread)
  thread:set("tag", counter)
  counter = counter + 1
end

function init(args)
  math.randomseed(os.time() * 1000 + tag)
  wrk.method = "POST"
  wrk.path = os.getenv("BENCH_PATH")
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
  wrk.headers["X-CSRFToken"] = os.getenv("BENCH_CSRF")
  body_rest = os.getenv("BENCH_BODY")
end

local function hex(n)
  local out = ""
  for _ = 1, n do
    out = out .. string.format("%x", math.random(0, 15))
  end
  return out
end

request = function()
  local id = hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-a" .. hex(3) .. "-" .. hex(12)
  return wrk.format(nil, nil, nil, '{"client_id": "' .. id .. '", ' .. body_rest)
end

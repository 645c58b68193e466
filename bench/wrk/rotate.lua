-- wrk script for bench/web.py: rotate through a list of requests, count unexpected redirects,
-- and print the results as one JSON line.
--
--   wrk -t2 -c32 -d30s --latency -s bench/wrk/rotate.lua http://127.0.0.1:PORT -- REQUESTS_FILE THREADS
--
-- REQUESTS_FILE has one request per line, tab-separated: METHOD, PATH, BODY (may be empty), then
-- any number of "Name: value" headers. A body holding @POS@ gets a position that grows by 15
-- each time the list comes round again (a video player's heartbeats). wrk threads interleave:
-- thread t sends lines t, t + THREADS, t + 2 * THREADS... so together they walk the list in order.
-- wrk counts 4xx/5xx as status errors itself; a 3xx is counted here (a signed-in page that
-- redirects to the login form means the session is wrong), and both are errors for bench/web.py.

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  local path = args[1]
  step = tonumber(args[2]) or 1
  requests_list = {}
  for line in io.lines(path) do
    if line ~= "" then
      local f = {}
      for field in (line .. "\t"):gmatch("([^\t]*)\t") do
        f[#f + 1] = field
      end
      local headers = {}
      for k = 4, #f do
        local name, value = f[k]:match("^([^:]+):%s*(.*)$")
        if name then
          headers[name] = value
        end
      end
      local body = f[3]
      if body == "" then
        body = nil
      end
      if body and body:find("@POS@", 1, true) then
        requests_list[#requests_list + 1] = { method = f[1], path = f[2], headers = headers, body = body }
      else
        requests_list[#requests_list + 1] = wrk.format(f[1], f[2], headers, body)
      end
    end
  end
  count = #requests_list
  cursor = tid or 0
  redirects = 0
end

function request()
  local k = cursor % count
  local round = math.floor(cursor / count)
  cursor = cursor + step
  local r = requests_list[k + 1]
  if type(r) == "string" then
    return r
  end
  local body = r.body:gsub("@POS@", tostring(15 * (round + 1)))
  return wrk.format(r.method, r.path, r.headers, body)
end

function response(status, headers, body)
  if status >= 300 and status < 400 then
    redirects = redirects + 1
  end
end

function done(summary, latency, requests)
  local seen = 0
  for _, thread in ipairs(threads) do
    seen = seen + (thread:get("redirects") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d, '
      .. '"p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, "connect": %d, "read": %d, '
      .. '"write": %d, "timeout": %d, "status": %d, "redirects": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean, e.connect, e.read, e.write, e.timeout, e.status, seen
  ))
end

-- Anonymous visitors of the public portal: each request one of the portal's pages or open-data
-- answers, in turn (QORGAN_PATHS, separated by '|'); counts answers with the status expected
-- (QORGAN_EXPECT, 200 unless told).
local threads = {}
local expect = tonumber(os.getenv("QORGAN_EXPECT") or "200")
local paths = {}
for p in string.gmatch(os.getenv("QORGAN_PATHS") or "/health", "[^|]+") do table.insert(paths, p) end
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; failed = 0; n = 0 end
function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
function response(status, headers, body)
  if status == expect then ok = ok + 1 else failed = failed + 1 end
end
function done(summary, latency, requests)
  local okTotal, failedTotal = 0, 0
  for _, t in ipairs(threads) do okTotal = okTotal + t:get("ok"); failedTotal = failedTotal + t:get("failed") end
  io.write(string.format("RESULT p50_ms=%.2f p99_ms=%.2f rps=%.1f requests=%d ok=%d failed=%d socket_errors=%d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6),
    summary.requests, okTotal, failedTotal,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end

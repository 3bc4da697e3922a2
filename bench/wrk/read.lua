-- A request of the dashboard's kind (QORGAN_PATH), with a bearer token; counts answers.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; failed = 0 end
function request()
  return wrk.format("GET", os.getenv("QORGAN_PATH"), {["Authorization"] = "Bearer " .. os.getenv("QORGAN_TOKEN")})
end
function response(status, headers, body)
  if status == 200 then ok = ok + 1 else failed = failed + 1 end
end
function done(summary, latency, requests)
  local okTotal, failedTotal = 0, 0
  for _, t in ipairs(threads) do okTotal = okTotal + t:get("ok"); failedTotal = failedTotal + t:get("failed") end
  io.write(string.format("RESULT p50_ms=%.2f p99_ms=%.2f rps=%.1f requests=%d ok=%d failed=%d socket_errors=%d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6),
    summary.requests, okTotal, failedTotal,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end

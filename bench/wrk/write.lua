-- Saves data values through the API, each request a new key (element × unit × month from
-- January 2100 on, far from the demo's years), so that afterwards the stored values can
-- be counted against the successful answers: nothing may be lost.
local elements = {"ACTS_PREVENTED", "ACTS_COMMITTED", "DEPARTURES_STOPPED", "TRAVEL_INTENT_STOPPED",
                  "STUDENTS_RETURNED", "THEOLOGY_DIVERTED", "CONVICTIONS"}
local units = {"AST", "ALA", "AKM", "AKT", "ALM", "ATY", "VKO", "ZHA", "KAR", "KUS", "KZY", "MAN", "PAV", "SKO", "YUK", "ZKO"}
local threads = {}
local nthreads = 0

function setup(thread)
  nthreads = nthreads + 1
  thread:set("id", nthreads - 1)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  ok = 0
  failed = 0
  stride = tonumber(os.getenv("WRK_THREADS") or "2")
end

function request()
  local n = counter * stride + id
  counter = counter + 1
  local e = elements[(n % #elements) + 1]
  local u = units[(math.floor(n / #elements) % #units) + 1]
  local m = math.floor(n / (#elements * #units))
  local period = string.format("%04d%02d", 2100 + math.floor(m / 12), (m % 12) + 1)
  local body = string.format('{"dataElement":"%s","orgUnit":"%s","period":"%s","value":"%d"}', e, u, period, (n % 97) + 1)
  return wrk.format("POST", "/api/dataValues", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("QORGAN_TOKEN")}, body)
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else failed = failed + 1 end
end

function done(summary, latency, requests)
  local okTotal, failedTotal = 0, 0
  for _, t in ipairs(threads) do
    okTotal = okTotal + t:get("ok")
    failedTotal = failedTotal + t:get("failed")
  end
  io.write(string.format("RESULT p50_ms=%.2f p99_ms=%.2f rps=%.1f requests=%d ok=%d failed=%d socket_errors=%d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6),
    summary.requests, okTotal, failedTotal,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end

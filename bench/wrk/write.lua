-- Saves data values through the API as regional and field offices would: each request a new
-- value (no two requests share a key; WRK_OFFSET starts a second run where the first left off),
-- in the months after the demo's years (from January 2018 on): the security form of the 16 regions (5 elements) and the preventive-work form
-- of the 47 field offices (events by 4 channels, people reached by 5 target groups), month by
-- month. Afterwards the stored values are counted against the successful answers.
local regions = {"AST", "ALA", "AKM", "AKT", "ALM", "ATY", "VKO", "ZHA", "KAR", "KUS", "KZY", "MAN", "PAV", "SKO", "YUK", "ZKO"}
local security = {"DEPARTURES_STOPPED", "TRAVEL_INTENT_STOPPED", "STUDENTS_RETURNED", "THEOLOGY_DIVERTED", "CONVICTIONS"}
local offices = {"AST_ALMATY_D", "AST_YESIL", "AST_SARYARKA", "ALA_ALATAU", "ALA_AUEZOV", "ALA_BOSTANDYK", "ALA_MEDEU", "AKM_KOKSHETAU", "AKM_STEPNOGORSK", "AKM_SHCHUCHINSK", "AKT_AKTOBE", "AKT_KHROMTAU", "AKT_KANDYAGASH", "ALM_TALDYKORGAN", "ALM_KAPCHAGAY", "ALM_TEKELI", "ATY_ATYRAU", "ATY_KULSARY", "VKO_OSKEMEN", "VKO_SEMEY", "VKO_RIDDER", "ZHA_TARAZ", "ZHA_SHU", "ZHA_KARATAU", "KAR_KARAGANDA", "KAR_TEMIRTAU", "KAR_ZHEZKAZGAN", "KAR_BALKHASH", "KUS_KOSTANAY", "KUS_RUDNY", "KUS_LISAKOVSK", "KZY_KYZYLORDA", "KZY_ARALSK", "KZY_KAZALY", "MAN_AKTAU", "MAN_ZHANAOZEN", "PAV_PAVLODAR", "PAV_EKIBASTUZ", "PAV_AKSU", "SKO_PETROPAVL", "SKO_BULAYEVO", "YUK_SHYMKENT", "YUK_TURKESTAN", "YUK_KENTAU", "YUK_SARYAGASH", "ZKO_ORAL", "ZKO_AKSAI"}
local prevention = {{"PREV_EVENTS", "EDU"}, {"PREV_EVENTS", "WEB"}, {"PREV_EVENTS", "MEDIA"}, {"PREV_EVENTS", "COMMUNITY"},
                    {"TG_REACHED", "YOUTH"}, {"TG_REACHED", "STUDENTS"}, {"TG_REACHED", "PUPILS"}, {"TG_REACHED", "UNEMPLOYED"},
                    {"TG_REACHED", "OTHERS"}}
local perMonth = #regions * #security + #offices * #prevention
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
  offset = tonumber(os.getenv("WRK_OFFSET") or "0")
end

function request()
  local n = offset + counter * stride + id
  counter = counter + 1
  local m = math.floor(n / perMonth)
  local k = n % perMonth
  local period = string.format("%04d%02d", 2018 + math.floor(m / 12), (m % 12) + 1)
  local body
  if k < #regions * #security then
    body = string.format('{"dataElement":"%s","orgUnit":"%s","period":"%s","value":"%d"}',
      security[(k % #security) + 1], regions[math.floor(k / #security) + 1], period, (n % 5))
  else
    k = k - #regions * #security
    local p = prevention[(k % #prevention) + 1]
    body = string.format('{"dataElement":"%s","categoryOptionCombo":"%s","orgUnit":"%s","period":"%s","value":"%d"}',
      p[1], p[2], offices[math.floor(k / #prevention) + 1], period, (n % 97) + 1)
  end
  return wrk.format("POST", "/api/dataValues", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("QORGAN_TOKEN")}, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else failed = failed + 1 end
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

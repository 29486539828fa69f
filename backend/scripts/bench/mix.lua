-- A front end's traffic for wrk: every request drawn at random over the collections of the
-- benchmark's generated db.json (scripts/bench.py, `write_mix_db_json`), and its results as
-- one JSON line.
--
-- Arguments after `--` are key=value: patients, doctors, wards, appointments (how many
-- records each collection was generated with; ids 1..n, wards "w1".."wn"), writes (percent of
-- requests that write), seed, and the word lists first, last, cities, conditions (comma
-- separated). Reads ask only for generated ids, which are never deleted: a DELETE removes a
-- record this thread created itself (its POST's Location), so a 404 is not expected.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

local function split(text)
  local words = {}
  for word in string.gmatch(text or "", "[^,]+") do
    table.insert(words, word)
  end
  return words
end

local config = {}
local created = {} -- paths of the records this thread created and has not deleted yet
not_found = 0
bad_status = 0
bad_statuses = {} -- status code -> how many

local function pick(list)
  return list[math.random(1, #list)]
end

local function id_of(collection)
  local n = config.sizes[collection]
  if collection == "Wards" then
    return "w" .. math.random(1, n)
  end
  return tostring(math.random(1, n))
end

local function pages(collection, per_page)
  return math.max(1, math.ceil(config.sizes[collection] / per_page))
end

local COLLECTIONS = { "patients", "doctors", "appointments", "Wards" }
local SORT_FIELDS = { "name", "age", "admittedAt", "id" }

-- A word a user would type into a search box: a name, a city, a condition or a few digits.
local function search_term()
  local kind = math.random(1, 4)
  if kind == 1 then
    return string.lower(pick(math.random(1, 2) == 1 and config.first or config.last))
  elseif kind == 2 then
    return pick(config.cities)
  elseif kind == 3 then
    return pick(config.conditions)
  end
  return tostring(math.random(100, 9999))
end

local function name_substring()
  local name = pick(math.random(1, 2) == 1 and config.first or config.last)
  local length = math.min(#name, math.random(3, 4))
  local start = math.random(1, #name - length + 1)
  return string.sub(name, start, start + length - 1)
end

-- Each read kind with its weight (out of the total); every query is one a front end sends.
local READS = {
  { 15, function() -- a page of 20 of a collection
    local c = pick(COLLECTIONS)
    return "/" .. c .. "?_page=" .. math.random(1, pages(c, 20)) .. "&_limit=20"
  end },
  { 20, function() -- one record
    local c = pick(COLLECTIONS)
    return "/" .. c .. "/" .. id_of(c)
  end },
  { 10, function() -- equality and range filters, sorted, paged
    return "/patients?gender=" .. pick({ "female", "male" }) .. "&age_gte=" .. math.random(0, 90)
      .. "&_sort=" .. pick(SORT_FIELDS) .. "&_page=" .. math.random(1, 5) .. "&_limit=20"
  end },
  { 10, function() -- full-text search
    return "/patients?q=" .. search_term() .. "&_page=" .. math.random(1, 3) .. "&_limit=20"
  end },
  { 7, function() -- substring (a regular expression in json-server)
    return "/patients?name_like=" .. name_substring() .. "&_page=" .. math.random(1, 3)
      .. "&_limit=20"
  end },
  { 7, function() -- a dotted path, alone or with a _like on an array
    if math.random(1, 2) == 1 then
      return "/patients?address.city=" .. pick(config.cities) .. "&_sort=age&_order=desc"
        .. "&_page=" .. math.random(1, 5) .. "&_limit=20"
    end
    return "/patients?address.city=" .. pick(config.cities) .. "&conditions_like="
      .. pick(config.conditions) .. "&_sort=age&_order=desc&_limit=20"
  end },
  { 6, function() -- a record with its parent and its children
    return "/patients/" .. id_of("patients") .. "?_expand=doctor&_embed=appointments"
  end },
  { 6, function() -- a page of children with their parent
    return "/appointments?_expand=patient&_page=" .. math.random(1, pages("appointments", 10))
  end },
  { 8, function() -- nested routes
    if math.random(1, 2) == 1 then
      return "/doctors/" .. id_of("doctors") .. "/patients"
    end
    return "/patients/" .. id_of("patients") .. "/appointments?_sort=date"
  end },
  { 3, function() -- the singular resource
    return "/clinic"
  end },
}
local READ_WEIGHT = 0
for _, read in ipairs(READS) do
  READ_WEIGHT = READ_WEIGHT + read[1]
end

local function draw_read()
  local ticket = math.random(1, READ_WEIGHT)
  for _, read in ipairs(READS) do
    ticket = ticket - read[1]
    if ticket <= 0 then
      return read[2]()
    end
  end
end

local function record_body(collection)
  if collection == "patients" then
    local first, last = pick(config.first), pick(config.last)
    return string.format(
      '{"name":"%s %s","age":%d,"gender":"%s","email":"%s.%s@example.com","phone":"555-%04d",'
        .. '"address":{"city":"%s","street":"%d Main St"},"bloodType":"O+","conditions":["%s"],'
        .. '"admittedAt":"2025-03-01T08:15:00Z","doctorId":%s,"wardId":"%s"}',
      first, last, math.random(0, 99), pick({ "female", "male" }), string.lower(first),
      string.lower(last), math.random(0, 9999), pick(config.cities), math.random(1, 999),
      pick(config.conditions), id_of("doctors"), id_of("Wards"))
  elseif collection == "doctors" then
    return string.format(
      '{"name":"Dr. %s %s","specialty":"general practice","email":"dr.%s@example.com",'
        .. '"phone":"555-%04d","wardId":"%s"}',
      pick(config.first), pick(config.last), string.lower(pick(config.last)),
      math.random(0, 9999), id_of("Wards"))
  elseif collection == "appointments" then
    return string.format(
      '{"patientId":%s,"doctorId":%s,"date":"2026-%02d-%02dT%02d:00:00Z","reason":"%s",'
        .. '"status":"scheduled"}',
      id_of("patients"), id_of("doctors"), math.random(1, 12), math.random(1, 28),
      math.random(8, 17), pick(config.conditions))
  end
  return string.format('{"name":"Ward %d","floor":%d,"beds":%d}',
    math.random(1, 99), math.random(0, 9), math.random(4, 40))
end

local function patch_body(collection)
  if collection == "patients" then
    return string.format('{"age":%d,"phone":"555-%04d"}', math.random(0, 99), math.random(0, 9999))
  elseif collection == "doctors" then
    return string.format('{"phone":"555-%04d"}', math.random(0, 9999))
  elseif collection == "appointments" then
    return '{"status":"' .. pick({ "scheduled", "completed", "cancelled" }) .. '"}'
  end
  return string.format('{"beds":%d}', math.random(4, 40))
end

local JSON = { ["Content-Type"] = "application/json" }

local function draw_write()
  local c = pick(COLLECTIONS)
  local kind = math.random(1, 10)
  if kind <= 2 and #created > 0 then -- DELETE (20%) of a record this thread created
    local index = math.random(1, #created)
    local path = created[index]
    created[index] = created[#created]
    created[#created] = nil
    return wrk.format("DELETE", path)
  elseif kind <= 5 then -- POST (30%, and the DELETEs it stands in for)
    return wrk.format("POST", "/" .. c, JSON, record_body(c))
  elseif kind <= 7 then -- PUT (20%)
    return wrk.format("PUT", "/" .. c .. "/" .. id_of(c), JSON, record_body(c))
  end
  return wrk.format("PATCH", "/" .. c .. "/" .. id_of(c), JSON, patch_body(c)) -- 30%
end

function init(args)
  local options = {}
  for _, arg in ipairs(args) do
    local key, value = string.match(arg, "^([%w_]+)=(.*)$")
    if key then
      options[key] = value
    end
  end
  config.sizes = {
    patients = tonumber(options.patients),
    doctors = tonumber(options.doctors),
    Wards = tonumber(options.wards),
    appointments = tonumber(options.appointments),
  }
  config.writes = tonumber(options.writes or "0")
  config.first = split(options.first)
  config.last = split(options.last)
  config.cities = split(options.cities)
  config.conditions = split(options.conditions)
  -- A fixed seed per thread: every run (and both servers) get the same draws in the same order.
  math.randomseed(tonumber(options.seed or "1") * 7919 + thread_number)
end

function request()
  if config.writes > 0 and math.random() * 100 < config.writes then
    return draw_write()
  end
  return wrk.format("GET", draw_read())
end

function response(status, headers, body)
  if status == 201 then
    local location = headers["Location"] or headers["location"]
    if location then
      table.insert(created, string.match(location, "^https?://[^/]+(/.*)$") or location)
    end
  elseif status == 404 then
    not_found = not_found + 1
  elseif status < 200 or status > 299 then
    bad_status = bad_status + 1
    bad_statuses[status] = (bad_statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local answered = summary.requests
  local timed_out = summary.errors.timeout
  local within_timeout = answered - timed_out
  local missing, failed, statuses = 0, 0, {}
  for _, thread in ipairs(threads) do
    missing = missing + (thread:get("not_found") or 0)
    failed = failed + (thread:get("bad_status") or 0)
    for status, count in pairs(thread:get("bad_statuses") or {}) do
      statuses[status] = (statuses[status] or 0) + count
    end
  end
  local by_status = {}
  for status, count in pairs(statuses) do
    table.insert(by_status, string.format('"%d": %d', status, count))
  end
  -- Responses slower than the timeout are missing from the histogram; they rank above it.
  local function percentile(p)
    local rank = p / 100 * answered
    if answered == 0 then return -1 end
    if rank > within_timeout or latency.min > latency.max then return -2 end
    return latency:percentile(100 * rank / within_timeout)
  end
  io.write(string.format(
    'BENCH_RESULT {"duration_us": %d, "requests": %d, "not_found": %d, "statuses": {%s}, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"p50": %d, "p95": %d, "p99": %d}}\n',
    summary.duration, answered, missing, table.concat(by_status, ", "),
    summary.errors.connect, summary.errors.read, summary.errors.write,
    failed, timed_out,
    percentile(50), percentile(95), percentile(99)
  ))
end

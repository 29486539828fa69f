-- The request of one benchmark scenario for wrk, and its results as one JSON line.
-- Arguments after `--`: <method> <path> [largest id] [JSON body]. A "{id}" in the path becomes
-- a random id from 1 to the largest id on every request.

local threads_set_up = 0

function setup(thread)
  threads_set_up = threads_set_up + 1
  thread:set("thread_number", threads_set_up)
end

function init(args)
  wrk.method = args[1]
  wrk.path = args[2]
  if args[4] ~= nil and args[4] ~= "" then
    wrk.body = args[4]
    wrk.headers["Content-Type"] = "application/json"
  end
  if string.find(wrk.path, "{id}", 1, true) then
    local largest_id = tonumber(args[3])
    local before, after = string.match(wrk.path, "^(.-){id}(.*)$")
    -- A fixed seed per thread: every run asks for the same ids in the same order.
    math.randomseed(7919 * thread_number)
    request = function()
      return wrk.format(nil, before .. math.random(1, largest_id) .. after)
    end
  end
end

function done(summary, latency, requests)
  local answered = summary.requests
  local timed_out = summary.errors.timeout
  local within_timeout = answered - timed_out
  -- Responses slower than the timeout are missing from the histogram; they rank above it.
  local function percentile(p)
    local rank = p / 100 * answered
    if answered == 0 then return -1 end
    if rank > within_timeout or latency.min > latency.max then return -2 end
    return latency:percentile(100 * rank / within_timeout)
  end
  io.write(string.format(
    'BENCH_RESULT {"duration_us": %d, "requests": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"p50": %d, "p95": %d, "p99": %d}}\n',
    summary.duration, answered,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, timed_out,
    percentile(50), percentile(95), percentile(99)
  ))
end

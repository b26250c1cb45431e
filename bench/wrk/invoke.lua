-- wrk script of the LambdaCraft benchmark: POSTs the JSON event {} to the URL wrk is given,
-- counts responses that carry X-Amz-Function-Error (a 200 that reports a failed invocation),
-- and prints one line "BENCH_WRK <json>" that bench/load.ts parses.

wrk.method = "POST"
wrk.body = "{}"
wrk.headers["Content-Type"] = "application/json"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  function_errors = 0
end

function response(status, headers, body)
  if headers["X-Amz-Function-Error"] ~= nil or headers["x-amz-function-error"] ~= nil then
    function_errors = function_errors + 1
  end
end

function done(summary, latency, requests)
  local total_function_errors = 0
  for _, thread in ipairs(threads) do
    total_function_errors = total_function_errors + thread:get("function_errors")
  end
  -- wrk reports times in microseconds.
  io.write(string.format(
    'BENCH_WRK {"requests":%d,"durationUs":%d,"connectErrors":%d,"readErrors":%d,' ..
      '"writeErrors":%d,"statusErrors":%d,"timeouts":%d,"functionErrors":%d,' ..
      '"p50Us":%d,"p99Us":%d,"maxUs":%d}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout, total_function_errors,
    latency:percentile(50), latency:percentile(99), latency.max))
end

-- wrk script of the LambdaCraft benchmark. By default it POSTs the JSON event {} to the URL
-- wrk is given and counts responses that carry X-Amz-Function-Error (a 200 that reports a
-- failed invocation). With the script argument GET (`wrk ... URL -- GET`) it sends GET
-- without a body, for HTTP gateway routes, and counts 200 responses whose body lacks the
-- hello function's "hello world" instead. It prints one line "BENCH_WRK <json>" that
-- bench/load.ts parses.

wrk.method = "POST"
wrk.body = "{}"
wrk.headers["Content-Type"] = "application/json"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  function_errors = 0
  expect_hello = args[1] == "GET"
  if expect_hello then
    -- wrk builds its request after init returns, so these settings apply to every request.
    wrk.method = "GET"
    wrk.body = nil
    wrk.headers["Content-Type"] = nil
  end
end

function response(status, headers, body)
  if expect_hello then
    if status == 200 and (body == nil or not string.find(body, "hello world", 1, true)) then
      function_errors = function_errors + 1
    end
  elseif headers["X-Amz-Function-Error"] ~= nil or headers["x-amz-function-error"] ~= nil then
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

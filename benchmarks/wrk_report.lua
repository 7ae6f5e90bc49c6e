-- Loaded by benchmarks/run.py: sends the request it is given and prints one JSON line.
local body = os.getenv("WRK_BODY")
if body and #body > 0 then
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = os.getenv("WRK_CONTENT_TYPE") or "application/json"
end
-- extra headers, one "Name: value" per line (WRK_HEADER_LINES)
local lines = os.getenv("WRK_HEADER_LINES")
if lines then
  for name, value in string.gmatch(lines, "([^:\n]+):%s*([^\n]*)") do
    wrk.headers[name] = value
  end
end
local cookie = os.getenv("WRK_COOKIE")
if cookie and #cookie > 0 then
  wrk.headers["Cookie"] = cookie
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "errors": %d, "bytes": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    errors, summary.bytes))
end

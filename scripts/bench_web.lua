-- wrk script of manage.py bench_web: counts responses other than 200 and prints the figures
-- (p50/p95/p99 included, which wrk's own report lacks) as one JSON line.
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    non200 = 0
end

function response(status, headers, body)
    if status ~= 200 then
        non200 = non200 + 1
    end
end

function done(summary, latency, requests)
    local non200_total = 0
    for _, thread in ipairs(threads) do
        non200_total = non200_total + thread:get("non200")
    end
    local e = summary.errors
    io.write(string.format(
        'BENCH_JSON {"requests": %d, "duration_us": %d, "non200": %d, "connect_errors": %d, '
            .. '"read_errors": %d, "write_errors": %d, "timeouts": %d, "p50_us": %d, '
            .. '"p95_us": %d, "p99_us": %d, "max_us": %d}\n',
        summary.requests, summary.duration, non200_total, e.connect, e.read, e.write,
        e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99),
        latency.max
    ))
end

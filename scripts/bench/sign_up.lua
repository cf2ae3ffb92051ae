-- POST a sign-up with a username no other request uses: thread number, then a counter.
local counter = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)  -- a global: a local of that name would hide it
end

function init(args)
  math.randomseed(os.time() + thread_number)
  run_id = math.random(100000, 999999)
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"username": "s%d_%d_%d", "password": "a sign-up password"}', run_id, thread_number, counter)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end

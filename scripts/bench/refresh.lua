-- POST refresh tokens, each wrk thread rotating its own (wrk -s refresh.lua URL -- TOKEN...):
-- thread N starts from the Nth token, then sends the one that each answer brings.
--
-- A refresh token works once; presented again, it ends its whole session. wrk's hooks do
-- not say which connection a request or an answer belongs to, and a thread's connections
-- share one Lua state, so bench.py runs one connection per thread: the thread's state is
-- then that connection's chain. wrk writes a connection's next request only after the
-- answer to the last one, and calls response() first, so no token goes out twice. (wrk
-- also calls request() once before the run to check it, and sends nothing: the token only
-- moves on in response().)
--
-- A refused refresh brings no new token: the thread sends the old one again, and every
-- answer from then on is a 401, which wrk counts ("Non-2xx") and bench.py shows as errors.
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)  -- a global in the thread's own Lua state
end

function init(args)
  -- args[0] is the URL; the tokens follow the "--".
  refresh_token = args[thread_number]
  if refresh_token == nil then
    error("refresh.lua: no refresh token for thread " .. thread_number)
  end
end

function request()
  local body = string.format('{"refresh_token": "%s"}', refresh_token)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if status == 200 then
    refresh_token = body:match('"refresh_token"%s*:%s*"([^"]+)"') or refresh_token
  end
end

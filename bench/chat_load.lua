-- wrk script for web chat: each thread (one connection) runs visitors one after another:
-- start a session, read its token from the answer, then send the answers in turn.
local answers = {'{"value": 5}', '{"value": ["ease", "employee"]}', '{"text": "Quick and clear"}'}
local headers = {["Content-Type"] = "application/json"}

function init(args)
  service = args[1]
  step = 0
  session = nil
end

function request()
  if session == nil or step > #answers then
    step = 0
    session = nil
    return wrk.format("POST", "/api/chat/sessions", headers, '{"service": "' .. service .. '", "language": "en"}')
  end
  local answering = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. session}
  return wrk.format("POST", "/api/chat/messages", answering, answers[step])
end

function response(status, response_headers, body)
  if step == 0 then
    session = body:match('"session":%s*"([^"]+)"')
  end
  step = step + 1
end

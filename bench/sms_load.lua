-- wrk script: each thread (one connection) replays its own pre-signed texters in order,
-- so every simulated texter holds a real multi-turn conversation.
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  requests = {}
  local path = args[1] .. "/requests-" .. id .. ".tsv"
  for line in io.lines(path) do
    local target, signature, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["X-Twilio-Signature"] = signature,
    }
    table.insert(requests, wrk.format("POST", target, headers, body))
  end
  index = 0
end

function request()
  index = index % #requests + 1
  return requests[index]
end

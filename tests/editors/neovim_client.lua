-- Neovim 0.7 (Debian's neovim), headless, as a user would drive codegen-lsp: `vim.lsp.start_client`.
--
--   nvim --headless --clean -u tests/editors/neovim_client.lua
-- Environment: CODEGEN_EDITOR_PYTHON (runs `-m codegen_lsp`), CODEGEN_EDITOR_WORKSPACE (holds moving.py and
-- cancel_me.py), CODEGEN_EDITOR_RESULT (a JSON file: every check with its outcome, and the server's messages).

local root = os.getenv("CODEGEN_EDITOR_WORKSPACE")
local checks, messages, answers = {}, {}, {}

local function check(name, ok, detail)
  table.insert(checks, { name = name, ok = ok and true or false, detail = vim.inspect(detail or "") })
  return ok
end

local function said(pattern)
  for _, message in ipairs(messages) do
    if message:find(pattern, 1, true) then return message end
  end
end

local function text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), "\n")
end

-- What the user would read, and what each executeCommand answered.
vim.lsp.handlers["window/showMessage"] = function(_, result) table.insert(messages, result.message) end
vim.lsp.handlers["workspace/executeCommand"] = function(err, result)
  table.insert(answers, { err = err, result = result, at = vim.loop.hrtime() })
end

-- Pick a code action by title the way `vim.lsp.buf.code_action()` offers them (through vim.ui.select).
local function pick(title, only)
  vim.ui.select = function(items, _, on_choice)
    for index, item in ipairs(items) do
      local action = item.action or item[2]
      if action.title == title then return on_choice(item, index) end
    end
    on_choice(nil, nil)
  end
  local before = #answers
  local started = vim.loop.hrtime()
  vim.lsp.buf.code_action({ only = only })
  vim.wait(10000, function() return #answers > before end, 10)
  local answer = answers[before + 1]
  return answer and answer.result, answer and (answer.at - started) / 1e9
end

local function code_actions(bufnr, only)
  local params = vim.lsp.util.make_range_params()
  params.context = { diagnostics = {}, only = only }
  local titles = {}
  for _, response in pairs(vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", params, 5000) or {}) do
    for _, action in ipairs(response.result or {}) do table.insert(titles, action.title) end
  end
  return titles
end

local function open(name, client_id)
  vim.cmd("edit " .. root .. "/" .. name)
  local bufnr = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(bufnr, client_id)
  vim.api.nvim_win_set_cursor(0, { 1, 2 })
  return bufnr
end

local function run()
  local ready = false
  local client_id = vim.lsp.start_client({
    name = "codegen",
    cmd = { os.getenv("CODEGEN_EDITOR_PYTHON"), "-m", "codegen_lsp" },
    root_dir = root,
    init_options = { workspaceTrusted = true, diagnosticsDelayMs = 20 },
    on_init = function() ready = true end,
  })
  local bufnr = open("moving.py", client_id)
  check("the server starts", vim.wait(30000, function() return ready end, 20))
  local client = vim.lsp.get_client_by_id(client_id)

  local titles = code_actions(bufnr, { "refactor.rewrite" })
  check("code actions on the prompt", vim.deep_equal(titles, { "Generate function", "Generate function, runner and tests" }), titles)

  local diagnostics = {}
  vim.wait(20000, function()
    diagnostics = vim.diagnostic.get(bufnr)
    return #diagnostics > 0
  end, 20)
  check("codegen diagnostics are shown", #diagnostics > 0 and diagnostics[1].source == "codegen",
        vim.tbl_map(function(d) return d.message end, diagnostics))

  local answer, seconds = pick("Generate function, runner and tests", { "refactor.rewrite" })
  check("executeCommand answered", answer and answer.started, { answer, seconds })
  local landed = vim.wait(90000, function()
    local now = text(bufnr)
    return now:find("def main()", 1, true) and now:find("def moving_average", 1, true)
  end, 20)
  check("the generated code lands in the buffer", landed, text(bufnr))
  check("the outcome is shown", vim.wait(30000, function() return said("Generated the function") end, 20), messages)
  vim.cmd("silent! wall")
  check("the test file is written", vim.wait(5000, function()
    return vim.fn.filereadable(root .. "/test_moving.py") == 1 end, 20))

  local hints = vim.lsp.buf_request_sync(bufnr, "textDocument/inlayHint", {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = { line = 0, character = 0 }, ["end"] = { line = 200, character = 0 } },
  }, 5000) or {}
  local labels = {}
  for _, response in pairs(hints) do
    for _, hint in ipairs(response.result or {}) do table.insert(labels, hint.label) end
  end
  check("inlay hints carry scores", #vim.tbl_filter(function(l) return l:find("quality", 1, true) end, labels) > 0, labels)

  -- Cancel through the progress token, as a progress UI's cancel button does.
  local other = open("cancel_me.py", client_id)
  local before = text(other)
  local started = pick("Generate function", { "refactor.rewrite" })
  check("a second generation starts", started and started.started, started)
  local token = started and started.token
  check("its progress is reported", vim.wait(10000, function()
    return client.messages and client.messages.progress and client.messages.progress[token] ~= nil end, 20), token)
  client.notify("window/workDoneProgress/cancel", { token = token })
  check("cancelling says so", vim.wait(10000, function() return said("Generation cancelled") end, 20), messages)
  vim.wait(500)
  check("a cancelled generation changes nothing", text(other) == before, text(other))

  vim.lsp.stop_client(client_id)
  vim.wait(5000, function() return vim.lsp.client_is_stopped(client_id) end, 20)
end

local ok, error = pcall(run)
check("no Lua error", ok, error)
vim.fn.writefile({ vim.fn.json_encode({ checks = checks, messages = messages }) }, os.getenv("CODEGEN_EDITOR_RESULT"))
vim.cmd("qa!")

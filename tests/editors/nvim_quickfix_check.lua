-- Headless Neovim script: a real LSP client session against review-ls.
--
-- Run as `nvim --headless --clean -u nvim_quickfix_check.lua`. Inputs come from the environment:
--   REVIEW_LS_CMD          JSON list, the server command (e.g. ["python3", "-m", "review_ls", "serve"])
--   REVIEW_LS_FIXTURE      the Python file to open
--   REVIEW_LS_EXPECT_CODE  the diagnostic code whose quick fix is applied (e.g. "RV201")
--   REVIEW_LS_INIT_OPTIONS JSON object sent as initializationOptions (optional)
--   REVIEW_LS_SETTINGS     JSON object answered to workspace/configuration (optional)
--   REVIEW_LS_EXPECT_SEVERITY  wait for the diagnostic to have this vim.diagnostic.severity (optional)
--   REVIEW_LS_RESULT       where the JSON result is written
--   REVIEW_LS_TIMEOUT_MS   how long each wait may take before the run fails (default 20000)
--
-- The script starts the server with vim.lsp.start_client, waits for vim.diagnostic.get() to show the
-- expected code, asks for textDocument/codeAction, resolves the quick fix when it has no edit yet,
-- applies it with vim.lsp.util.apply_workspace_edit, waits for the diagnostic to go away, shuts the
-- server down, writes what happened to REVIEW_LS_RESULT and quits. Every wait is a condition, so a
-- passing run takes as long as the server needs and no longer.

local has_method_calls = vim.fn.has('nvim-0.11') == 1
local timeout_ms = tonumber(vim.env.REVIEW_LS_TIMEOUT_MS or '20000')

local result = { stage = 'start', codes = {}, actions = {}, messages = {} }
local started = vim.loop.hrtime()

--- Records how far the session got (in the result, and on stderr for a run that hangs).
local function set_stage(stage)
  result.stage = stage
  io.stderr:write(string.format('review-ls nvim check: %s (%d ms)\n', stage, (vim.loop.hrtime() - started) / 1e6))
end

--- Calls client.method(...) the way this Neovim version expects (0.11 made them methods).
local function call(client, method, ...)
  if has_method_calls then
    return client[method](client, ...)
  end
  return client[method](...)
end

--- Codes of the diagnostics review-ls published for `bufnr`.
local function diagnostic_codes(bufnr)
  local codes = {}
  for _, diagnostic in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(codes, diagnostic.code or (diagnostic.user_data and diagnostic.user_data.lsp.code))
  end
  table.sort(codes)
  return codes
end

--- The first diagnostic of `bufnr` with `code` (and `severity`, when given), or nil.
local function find_diagnostic(bufnr, code, severity)
  for _, diagnostic in ipairs(vim.diagnostic.get(bufnr)) do
    if diagnostic.code == code and (severity == nil or diagnostic.severity == severity) then
      return diagnostic
    end
  end
  return nil
end

--- A JSON object from the environment variable `name`, or an empty dict.
local function json_env(name)
  local text = vim.env[name]
  if text == nil or text == '' or text == '{}' then
    return vim.empty_dict()
  end
  return vim.fn.json_decode(text)
end

--- The LSP form of a vim.diagnostic entry, as the code action request needs it.
local function to_lsp_diagnostic(diagnostic)
  local original = diagnostic.user_data and diagnostic.user_data.lsp or {}
  if original.range then -- Neovim 0.10+ keeps the whole original diagnostic
    return original
  end
  return vim.tbl_extend('keep', {
    range = {
      start = { line = diagnostic.lnum, character = diagnostic.col },
      ['end'] = { line = diagnostic.end_lnum, character = diagnostic.end_col },
    },
    severity = diagnostic.severity,
    message = diagnostic.message,
    source = diagnostic.source,
    code = diagnostic.code,
  }, original)
end

--- Sends `method` and returns its result; raises with the server's error or a timeout.
local function request(client, method, params, bufnr)
  local response, err = call(client, 'request_sync', method, params, timeout_ms, bufnr)
  if not response then
    error(string.format('%s: no response (%s)', method, tostring(err)))
  end
  if response.err then
    error(string.format('%s failed: %s', method, vim.inspect(response.err)))
  end
  return response.result
end

--- The quick fix among `actions` that addresses diagnostic `code`.
local function pick_quick_fix(actions, code)
  for _, action in ipairs(actions or {}) do
    local fixes_code = false
    for _, diagnostic in ipairs(action.diagnostics or {}) do
      fixes_code = fixes_code or diagnostic.code == code
    end
    if action.kind == 'quickfix' and fixes_code then
      return action
    end
  end
  return nil
end

local function run()
  local cmd = vim.fn.json_decode(vim.env.REVIEW_LS_CMD)
  local fixture = vim.env.REVIEW_LS_FIXTURE
  local code = vim.env.REVIEW_LS_EXPECT_CODE
  local severity = tonumber(vim.env.REVIEW_LS_EXPECT_SEVERITY or '')
  result.nvim_version = tostring(vim.version().major) .. '.' .. vim.version().minor .. '.' .. vim.version().patch

  set_stage('open')
  vim.cmd('edit ' .. vim.fn.fnameescape(fixture))
  local bufnr = vim.api.nvim_get_current_buf()

  set_stage('start_client')
  local exited = false
  local settings = json_env('REVIEW_LS_SETTINGS')
  local client_id = vim.lsp.start_client({
    name = 'review-ls',
    cmd = cmd,
    root_dir = vim.fn.fnamemodify(fixture, ':p:h'),
    init_options = json_env('REVIEW_LS_INIT_OPTIONS'),
    settings = settings,
    -- Neovim 0.7 neither announces workspace/configuration nor pushes `settings` itself
    -- (nvim-lspconfig and Neovim 0.8+ do): send them the way they do.
    on_init = function(client)
      if next(settings) ~= nil and vim.fn.has('nvim-0.8') == 0 then
        call(client, 'notify', 'workspace/didChangeConfiguration', { settings = settings })
      end
    end,
    handlers = {
      ['window/showMessage'] = function(_, message)
        table.insert(result.messages, message.message)
      end,
    },
    on_exit = function(exit_code, signal)
      exited = true
      result.exit_code = exit_code
      result.exit_signal = signal
    end,
  })
  if not client_id then
    error('vim.lsp.start_client returned nil for ' .. vim.inspect(cmd))
  end
  vim.lsp.buf_attach_client(bufnr, client_id)

  set_stage('wait_for_diagnostics')
  local published = vim.wait(timeout_ms, function()
    return find_diagnostic(bufnr, code, severity) ~= nil or exited
  end, 10)
  result.codes = diagnostic_codes(bufnr)
  if exited then
    error('the server exited before publishing diagnostics')
  end
  if not published then
    error(string.format('no %s diagnostic (severity %s) within %d ms', code, tostring(severity), timeout_ms))
  end
  local client = vim.lsp.get_client_by_id(client_id)
  result.offset_encoding = client.offset_encoding
  local diagnostic = find_diagnostic(bufnr, code, severity)
  result.diagnostic = {
    line = diagnostic.lnum,
    col = diagnostic.col,
    source = diagnostic.source,
    message = diagnostic.message,
    severity = diagnostic.severity,
  }

  set_stage('code_action')
  local lsp_diagnostic = to_lsp_diagnostic(diagnostic)
  local actions = request(client, 'textDocument/codeAction', {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = lsp_diagnostic.range,
    context = { diagnostics = { lsp_diagnostic } },
  }, bufnr)
  for _, action in ipairs(actions or {}) do
    table.insert(result.actions, { title = action.title, kind = action.kind or vim.NIL })
  end
  local action = pick_quick_fix(actions, code)
  if not action then
    error('no quickfix code action for ' .. code)
  end

  if not action.edit then
    set_stage('resolve')
    result.resolved = true
    action = request(client, 'codeAction/resolve', action, bufnr)
  end
  if not action.edit then
    error('the quick fix has no edit after resolve: ' .. vim.inspect(action))
  end

  set_stage('apply')
  result.applied_title = action.title
  vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
  result.text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n') .. '\n'

  set_stage('wait_for_clear')
  result.cleared = vim.wait(timeout_ms, function()
    return find_diagnostic(bufnr, code) == nil
  end, 10)
  result.codes_after_fix = diagnostic_codes(bufnr)

  set_stage('shutdown')
  call(client, 'stop')
  result.stopped = vim.wait(timeout_ms, function()
    return exited
  end, 10)
  set_stage('done')
end

local ok, err = xpcall(run, debug.traceback)
result.ok = ok
result.error = ok and vim.NIL or tostring(err)
local file = assert(io.open(vim.env.REVIEW_LS_RESULT, 'w'))
file:write(vim.fn.json_encode(result))
file:close()
vim.cmd(ok and 'qall!' or 'cquit!')

-- Headless Neovim script: runs the README's Neovim 0.7 snippet literally on two files of a project.
--
-- Run as `nvim --headless --clean -u nvim_readme_snippet_check.lua`. Inputs from the environment:
--   REVIEW_LS_SNIPPET      the Lua snippet extracted from README.md (sourced unchanged)
--   REVIEW_LS_FILES        JSON list of the Python files to open, in order
--   REVIEW_LS_EXPECT_CODE  the diagnostic code every file must show; the last file's fix is applied
--   REVIEW_LS_RESULT       where the JSON result is written
--   REVIEW_LS_TIMEOUT_MS   how long each wait may take before the run fails (default 20000)
--
-- Reports the review-ls clients and their server pids after both files are open, the codes each
-- buffer got, and the text of the last file after its quick fix was applied.

local has_method_calls = vim.fn.has('nvim-0.11') == 1
local timeout_ms = tonumber(vim.env.REVIEW_LS_TIMEOUT_MS or '20000')
local result = { stage = 'start', files = {} }

local function call(client, method, ...)
  if has_method_calls then
    return client[method](client, ...)
  end
  return client[method](...)
end

local function has_code(bufnr, code)
  for _, diagnostic in ipairs(vim.diagnostic.get(bufnr)) do
    if diagnostic.code == code then
      return diagnostic
    end
  end
  return nil
end

local function review_ls_clients()
  local clients = {}
  for _, client in pairs(vim.lsp.get_active_clients()) do
    if client.name == 'review-ls' then
      table.insert(clients, client)
    end
  end
  return clients
end

local function run()
  local code = vim.env.REVIEW_LS_EXPECT_CODE
  vim.cmd('filetype on') -- -u skips the defaults until after this script; the snippet needs FileType
  result.stage = 'snippet'
  dofile(vim.env.REVIEW_LS_SNIPPET)

  result.stage = 'open'
  local buffers = {}
  for _, path in ipairs(vim.fn.json_decode(vim.env.REVIEW_LS_FILES)) do
    vim.cmd('edit ' .. vim.fn.fnameescape(path))
    table.insert(buffers, vim.api.nvim_get_current_buf())
  end

  result.stage = 'wait_for_diagnostics'
  local all_published = vim.wait(timeout_ms, function()
    for _, bufnr in ipairs(buffers) do
      if not has_code(bufnr, code) then
        return false
      end
    end
    return true
  end, 10)
  for _, bufnr in ipairs(buffers) do
    table.insert(result.files, { name = vim.api.nvim_buf_get_name(bufnr), has_code = has_code(bufnr, code) ~= nil })
  end
  local clients = review_ls_clients()
  result.clients = #clients
  result.pids = {}
  for _, client in ipairs(clients) do
    table.insert(result.pids, client.rpc.pid or vim.NIL)
  end
  if not all_published then
    error(string.format('not every file showed %s within %d ms', code, timeout_ms))
  end

  result.stage = 'code_action'
  local bufnr = buffers[#buffers]
  local client = clients[1]
  local diagnostic = has_code(bufnr, code)
  local original = diagnostic.user_data and diagnostic.user_data.lsp or {}
  local context_diagnostic = original.range and original or vim.tbl_extend('keep', {
    range = {
      start = { line = diagnostic.lnum, character = diagnostic.col },
      ['end'] = { line = diagnostic.end_lnum, character = diagnostic.end_col },
    },
    severity = diagnostic.severity,
    message = diagnostic.message,
    source = diagnostic.source,
    code = diagnostic.code,
  }, original)
  local range = context_diagnostic.range
  local response = call(client, 'request_sync', 'textDocument/codeAction', {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = range,
    context = { diagnostics = { context_diagnostic } },
  }, timeout_ms, bufnr)
  assert(response and not response.err, 'codeAction failed: ' .. vim.inspect(response))
  local action
  for _, candidate in ipairs(response.result or {}) do
    if candidate.kind == 'quickfix' and action == nil then
      action = candidate
    end
  end
  assert(action, 'no quick fix offered')
  if not action.edit then
    local resolved = call(client, 'request_sync', 'codeAction/resolve', action, timeout_ms, bufnr)
    assert(resolved and not resolved.err, 'resolve failed: ' .. vim.inspect(resolved))
    action = resolved.result
  end
  result.applied_title = action.title
  vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
  result.text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n') .. '\n'
  result.cleared = vim.wait(timeout_ms, function()
    return has_code(bufnr, code) == nil
  end, 10)

  result.stage = 'shutdown'
  vim.lsp.stop_client(vim.lsp.get_active_clients(), true)
  result.stage = 'done'
end

local ok, err = xpcall(run, debug.traceback)
result.ok = ok
result.error = ok and vim.NIL or tostring(err)
local file = assert(io.open(vim.env.REVIEW_LS_RESULT, 'w'))
file:write(vim.fn.json_encode(result))
file:close()
vim.cmd(ok and 'qall!' or 'cquit!')

/** Identifiers shared by the extension's modules and `package.json`. */

/** The configuration section, the language client id and the output channel name. */
export const EXTENSION_ID = 'review-ls';
export const DISPLAY_NAME = 'review-ls';

/** The Python package and module that run the server: `python -m review_ls serve`. */
export const PYTHON_PACKAGE = 'review-ls';
export const PYTHON_MODULE = 'review_ls';

/** The Python extension, whose selected interpreter is used when `review-ls.interpreter` is empty. */
export const PYTHON_EXTENSION_ID = 'ms-python.python';

/** Commands this extension contributes (see `contributes.commands` in package.json). */
export const Commands = {
    restart: 'review-ls.restart',
    fixAllInFile: 'review-ls.fixAllInFile',
    runWorkspaceScan: 'review-ls.runWorkspaceScan',
    showLog: 'review-ls.showLog',
} as const;

/**
 * Commands the server implements (`workspace/executeCommand`). vscode-languageclient registers
 * them itself, so the extension's own commands above have different ids and call these.
 */
export const ServerCommands = {
    fixAll: 'review-ls.fixAll',
    explainRule: 'review-ls.explainRule',
    scanWorkspace: 'review-ls.scanWorkspace',
} as const;

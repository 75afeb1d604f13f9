/** Identifiers shared by the extension's modules and `package.json`. */

/** The configuration section, the language client id and the output channel name. */
export const EXTENSION_ID = 'review-ls';
export const DISPLAY_NAME = 'review-ls';

/** The Python package and module that run the server: `python -m review_ls serve`. */
export const PYTHON_PACKAGE = 'review-ls';
export const PYTHON_MODULE = 'review_ls';

/**
 * The launcher of the review-ls bundled in the extension (relative to the extension's folder): it puts
 * bundled/libs, filled by scripts/bundle_libs.py at package time, first on sys.path.
 */
export const BUNDLED_SERVER = ['bundled', 'tool', 'server.py'] as const;

/** The launcher's exit status for "this interpreter cannot run the bundle" (bundled/tool/server.py). */
export const BUNDLE_UNSUPPORTED_EXIT = 3;

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

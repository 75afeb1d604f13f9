/**
 * The command lines the extension runs: the server itself and the installation probe, either with the
 * review-ls bundled in the extension (`python -I bundled/tool/server.py`, review-ls.importStrategy
 * `useBundled`) or with the one installed in the interpreter's environment (`python -I -m review_ls`).
 */
import * as os from 'node:os';
import { PYTHON_MODULE } from './constants';
import type { Interpreter } from './interpreter';
import type { LogLevel } from './settings';

/** A process to start: what `child_process.spawn` and vscode-languageclient's `Executable` need. */
export interface ProcessLaunch {
    command: string;
    args: string[];
    options: { cwd?: string; env: NodeJS.ProcessEnv };
}

/**
 * Python's isolated mode: neither the current folder nor the script's folder, PYTHONPATH or the
 * user site-packages are put on sys.path, so a workspace that contains a `review_ls/` package (or
 * a `libcst.py`) cannot have its code run in place of review-ls. review-ls must therefore be
 * installed in the interpreter's environment itself (a venv or the system site-packages), or come from
 * the bundle, whose launcher puts the extension's bundled/libs on sys.path itself.
 */
export const ISOLATED_MODE = '-I';

/** The folder the extension's Python processes run in: never the workspace (see ISOLATED_MODE). */
export function neutralDirectory(): string {
    return os.tmpdir();
}

/** What runs review-ls in the interpreter: `-m review_ls` (its environment's), or the bundle's launcher script. */
function entryPoint(bundledServer: string | undefined): string[] {
    return bundledServer === undefined ? ['-m', PYTHON_MODULE] : [bundledServer];
}

/**
 * `python -I -m review_ls serve` (or `python -I <bundledServer> serve`) over stdio, run outside the
 * workspace, with unbuffered UTF-8 output. The server learns the workspace folders from the LSP
 * initialize request, not its cwd.
 */
export function serverLaunch(
    interpreter: Interpreter,
    logLevel: LogLevel,
    baseEnv: NodeJS.ProcessEnv = process.env,
    cwd: string = neutralDirectory(),
    bundledServer?: string,
): ProcessLaunch {
    return {
        command: interpreter.command,
        args: [ISOLATED_MODE, ...entryPoint(bundledServer), 'serve', '--stdio', '--log-level', logLevel],
        options: {
            cwd,
            env: { ...baseEnv, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' },
        },
    };
}

/**
 * Prints review-ls's version when it is importable; fails with ModuleNotFoundError when it is not.
 * With the bundle, its launcher checks that this interpreter can import the bundled libraries.
 */
export function probeArguments(bundledServer?: string): string[] {
    if (bundledServer !== undefined) {
        return [ISOLATED_MODE, bundledServer, '--probe'];
    }
    return [ISOLATED_MODE, '-c', `import ${PYTHON_MODULE}, sys; sys.stdout.write(${PYTHON_MODULE}.__version__)`];
}

/**
 * How to install review-ls into the interpreter, as the user would type it: from a checkout or a
 * wheel built by scripts/build.sh (review-ls is not published on a package index).
 */
export function installCommandLine(interpreter: Interpreter): string {
    return `${quoteForShell(interpreter.command)} -m pip install <review-ls checkout or .whl>`;
}

function quoteForShell(word: string): string {
    return /^[\w@%+=:,./-]+$/.test(word) ? word : `"${word.replace(/(["\\$`])/g, '\\$1')}"`;
}

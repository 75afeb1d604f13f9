/** The command lines the extension runs: the server itself, the installation probe, and pip. */
import * as os from 'node:os';
import { PYTHON_MODULE, PYTHON_PACKAGE } from './constants';
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
 * installed in the interpreter's environment itself (a venv or the system site-packages).
 */
export const ISOLATED_MODE = '-I';

/** The folder the extension's Python processes run in: never the workspace (see ISOLATED_MODE). */
export function neutralDirectory(): string {
    return os.tmpdir();
}

/**
 * `python -I -m review_ls serve` over stdio, run outside the workspace, with unbuffered UTF-8
 * output. The server learns the workspace folders from the LSP initialize request, not its cwd.
 */
export function serverLaunch(
    interpreter: Interpreter,
    logLevel: LogLevel,
    baseEnv: NodeJS.ProcessEnv = process.env,
    cwd: string = neutralDirectory(),
): ProcessLaunch {
    return {
        command: interpreter.command,
        args: [ISOLATED_MODE, '-m', PYTHON_MODULE, 'serve', '--stdio', '--log-level', logLevel],
        options: {
            cwd,
            env: { ...baseEnv, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' },
        },
    };
}

/** Prints review-ls's version when it is importable; fails with ModuleNotFoundError when it is not. */
export function probeArguments(): string[] {
    return [ISOLATED_MODE, '-c', `import ${PYTHON_MODULE}, sys; sys.stdout.write(${PYTHON_MODULE}.__version__)`];
}

/** Installs (or upgrades) review-ls into the interpreter's environment with pip (run outside the workspace). */
export function installArguments(): string[] {
    return ['-m', 'pip', 'install', '--upgrade', PYTHON_PACKAGE];
}

/** The install command as the user would type it, for messages. */
export function installCommandLine(interpreter: Interpreter): string {
    return [quoteForShell(interpreter.command), ...installArguments()].join(' ');
}

function quoteForShell(word: string): string {
    return /^[\w@%+=:,./-]+$/.test(word) ? word : `"${word.replace(/(["\\$`])/g, '\\$1')}"`;
}

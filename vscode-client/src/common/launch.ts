/** The command lines the extension runs: the server itself, the installation probe, and pip. */
import { PYTHON_MODULE, PYTHON_PACKAGE } from './constants';
import type { Interpreter } from './interpreter';
import type { LogLevel } from './settings';

/** A process to start: what `child_process.spawn` and vscode-languageclient's `Executable` need. */
export interface ProcessLaunch {
    command: string;
    args: string[];
    options: { cwd?: string; env: NodeJS.ProcessEnv };
}

/** `python -m review_ls serve` over stdio, in the workspace folder, with unbuffered UTF-8 output. */
export function serverLaunch(interpreter: Interpreter, logLevel: LogLevel, cwd: string | undefined, baseEnv: NodeJS.ProcessEnv = process.env): ProcessLaunch {
    return {
        command: interpreter.command,
        args: ['-m', PYTHON_MODULE, 'serve', '--stdio', '--log-level', logLevel],
        options: {
            ...(cwd !== undefined ? { cwd } : {}),
            env: { ...baseEnv, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' },
        },
    };
}

/** Prints review-ls's version when it is importable; fails with ModuleNotFoundError when it is not. */
export function probeArguments(): string[] {
    return ['-c', `import ${PYTHON_MODULE}, sys; sys.stdout.write(${PYTHON_MODULE}.__version__)`];
}

/** Installs (or upgrades) review-ls into the interpreter's environment with pip. */
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

/**
 * Which Python runs the server: the `review-ls.interpreter` setting, else the interpreter selected
 * in the Python extension (when it is installed), else the active virtualenv (`VIRTUAL_ENV`), else
 * `python3` on PATH.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PYTHON_EXTENSION_ID } from './constants';

/** Where the interpreter came from; shown in the log and the status bar tooltip. */
export type InterpreterSource = 'setting' | 'python-extension' | 'virtual-env' | 'path';

/** The Python executable that runs `-m review_ls serve`. */
export interface Interpreter {
    command: string;
    source: InterpreterSource;
}

/** The part of the Python extension's API this extension uses. */
export interface PythonEnvironments {
    /** The selected interpreter's executable for `resource`, or undefined when none is selected. */
    activeInterpreter(resource?: vscode.Uri): Promise<string | undefined>;
    /** Fires when the user selects another interpreter. */
    onDidChangeActiveInterpreter: vscode.Event<unknown>;
}

/** The interpreter on PATH used when nothing else is configured. */
export function defaultInterpreter(platform: NodeJS.Platform = process.platform): string {
    return platform === 'win32' ? 'python' : 'python3';
}

/**
 * The interpreter of the virtualenv activated in the environment VS Code was started from
 * (`VIRTUAL_ENV`), when it exists. VS Code may rebuild PATH from a login shell, which drops the
 * venv's bin folder, but keeps this variable.
 */
export function virtualEnvInterpreter(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
    const root = env.VIRTUAL_ENV?.trim();
    if (!root) {
        return undefined;
    }
    const executable = platform === 'win32' ? path.join(root, 'Scripts', 'python.exe') : path.join(root, 'bin', 'python');
    return fs.existsSync(executable) ? executable : undefined;
}

/**
 * Expands `~`, `${userHome}` and `${workspaceFolder}` in an interpreter path and resolves a relative
 * path against the workspace folder. A bare command name (`python3.12`) is left for PATH lookup.
 */
export function expandInterpreterPath(value: string, folder: string | undefined, home: string = os.homedir()): string {
    let expanded = value.trim().replace(/\$\{userHome\}/g, home);
    if (folder !== undefined) {
        expanded = expanded.replace(/\$\{workspaceFolder\}/g, folder);
    }
    if (expanded === '~' || expanded.startsWith('~/') || expanded.startsWith('~\\')) {
        expanded = path.join(home, expanded.slice(1));
    }
    const isBareCommand = !expanded.includes('/') && !expanded.includes('\\');
    if (!isBareCommand && !path.isAbsolute(expanded) && folder !== undefined) {
        expanded = path.resolve(folder, expanded);
    }
    return expanded;
}

/** Whether `executable` lies inside `folder` (e.g. the workspace's own `.venv/bin/python`). */
export function isInsideFolder(executable: string, folder: string): boolean {
    const relative = path.relative(path.resolve(folder), path.resolve(executable));
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/**
 * Chooses the interpreter: setting, then the Python extension, then `VIRTUAL_ENV`, then PATH. In an
 * untrusted workspace an interpreter inside the workspace folder (its own `.venv`, whose
 * site-packages may hold a planted `.pth` file) is never used: the folder must not choose which
 * program runs.
 */
export async function chooseInterpreter(
    configured: string,
    folder: vscode.WorkspaceFolder | undefined,
    pythonEnvironments: PythonEnvironments | undefined,
    trusted: boolean = vscode.workspace.isTrusted ?? true,
    env: NodeJS.ProcessEnv = process.env,
): Promise<Interpreter> {
    if (configured.trim() !== '') {
        return { command: expandInterpreterPath(configured, folder?.uri.fsPath), source: 'setting' };
    }
    const allowed = (executable: string | undefined): executable is string =>
        !!executable && (trusted || folder === undefined || !isInsideFolder(executable, folder.uri.fsPath));
    const selected = await pythonEnvironments?.activeInterpreter(folder?.uri);
    if (allowed(selected)) {
        return { command: selected, source: 'python-extension' };
    }
    const activated = virtualEnvInterpreter(env);
    if (allowed(activated)) {
        return { command: activated, source: 'virtual-env' };
    }
    return { command: defaultInterpreter(), source: 'path' };
}

// The Python extension's API, as far as it is used here (see its `PythonExtension` typings).
interface PythonExtensionApi {
    environments: {
        getActiveEnvironmentPath(resource?: vscode.Uri): { id: string; path: string };
        resolveEnvironment(environment: { id: string; path: string } | string): Promise<{ executable: { uri: vscode.Uri | undefined } } | undefined>;
        onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
    };
}

/**
 * The Python extension's environments API, or undefined when the extension is not installed or
 * does not activate. Never throws: without it the extension falls back to PATH.
 */
export async function loadPythonEnvironments(onError: (message: string) => void): Promise<PythonEnvironments | undefined> {
    const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
    if (!extension) {
        return undefined;
    }
    try {
        const api = extension.isActive ? extension.exports : await extension.activate();
        const environments = api?.environments;
        if (!environments) {
            onError(`${PYTHON_EXTENSION_ID} does not offer the environments API; using PATH`);
            return undefined;
        }
        return {
            async activeInterpreter(resource?: vscode.Uri): Promise<string | undefined> {
                const active = environments.getActiveEnvironmentPath(resource);
                const resolved = await environments.resolveEnvironment(active);
                return resolved?.executable.uri?.fsPath;
            },
            onDidChangeActiveInterpreter: environments.onDidChangeActiveEnvironmentPath,
        };
    } catch (error) {
        onError(`could not use ${PYTHON_EXTENSION_ID}: ${String(error)}; using PATH`);
        return undefined;
    }
}

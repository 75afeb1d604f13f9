/**
 * Can the chosen interpreter run review-ls (the bundled one, or its environment's)? If not, say why
 * in one line and offer what fixes it (never a silent failure, never a package index install: review-ls
 * is not published on one).
 */
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import { BUNDLE_UNSUPPORTED_EXIT, DISPLAY_NAME, EXTENSION_ID, PYTHON_MODULE } from './constants';
import type { Interpreter } from './interpreter';
import { installCommandLine, neutralDirectory, probeArguments } from './launch';
import type { Logger } from './logging';

/** What running the probe in the interpreter found. */
export type Installation =
    | { kind: 'installed'; version: string }
    | { kind: 'interpreter-not-found'; detail: string }
    /** importStrategy fromEnvironment: the interpreter's environment has no review-ls. */
    | { kind: 'not-installed'; detail: string }
    /** importStrategy useBundled: this interpreter cannot run the bundle (its Python version, say). */
    | { kind: 'unsupported'; detail: string }
    | { kind: 'broken'; detail: string };

/** The outcome of running a process: its output, or how it failed. */
export interface ProcessOutcome {
    stdout: string;
    stderr: string;
    /** `ENOENT` when the program does not exist; the exit code when it failed; undefined on success. */
    error?: { code?: string | number; message: string };
}

/** Runs a program to completion (at most `timeoutMs`) and reports what happened; never rejects. */
export type ProcessRunner = (command: string, args: string[], timeoutMs: number) => Promise<ProcessOutcome>;

/** Runs a program with node's child_process.execFile, outside the workspace (see launch.ts). */
export const runProcess: ProcessRunner = (command, args, timeoutMs) =>
    new Promise((resolve) => {
        execFile(command, args, { cwd: neutralDirectory(), timeout: timeoutMs, windowsHide: true, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
            resolve({
                stdout: String(stdout),
                stderr: String(stderr),
                ...(error ? { error: { code: (error as NodeJS.ErrnoException).code ?? undefined, message: error.message } } : {}),
            });
        });
    });

const PROBE_TIMEOUT_MS = 30_000;

/** Classifies the probe's outcome. */
export function classifyProbe(outcome: ProcessOutcome): Installation {
    if (!outcome.error) {
        return { kind: 'installed', version: outcome.stdout.trim() };
    }
    if (outcome.error.code === 'ENOENT' || outcome.error.code === 'EACCES') {
        return { kind: 'interpreter-not-found', detail: outcome.error.message };
    }
    if (outcome.error.code === BUNDLE_UNSUPPORTED_EXIT) {
        return { kind: 'unsupported', detail: lastLine(outcome.stderr).replace(/^review-ls: /, '') };
    }
    if (outcome.stderr.includes(`No module named '${PYTHON_MODULE}'`)) {
        return { kind: 'not-installed', detail: outcome.stderr.trim() };
    }
    return { kind: 'broken', detail: (outcome.stderr || outcome.error.message).trim() };
}

/** Checks whether `interpreter` can import review-ls: the bundled one when `bundledServer` (its launcher) is given. */
export async function probeInstallation(interpreter: Interpreter, run: ProcessRunner = runProcess, bundledServer?: string): Promise<Installation> {
    return classifyProbe(await run(interpreter.command, probeArguments(bundledServer), PROBE_TIMEOUT_MS));
}

/** The user's answer to "review-ls cannot run". */
export type ProblemChoice = 'use-bundled' | 'select-interpreter' | 'dismissed';

const USE_BUNDLED_ACTION = 'Use Bundled review-ls';
const SELECT_INTERPRETER_ACTION = 'Select Interpreter';
const SHOW_LOG_ACTION = 'Show Log';
const MAX_MESSAGE_LENGTH = 400;

/** The message (one line) shown when the server cannot start from `interpreter`. */
export function problemMessage(interpreter: Interpreter, installation: Exclude<Installation, { kind: 'installed' }>): string {
    const where = `${interpreter.command} (from ${describeSource(interpreter)})`;
    switch (installation.kind) {
        case 'interpreter-not-found':
            return `${DISPLAY_NAME}: the Python interpreter ${where} was not found. Set "review-ls.interpreter" or select an interpreter.`;
        case 'not-installed':
            return oneLine(
                `${DISPLAY_NAME} is not installed in ${where}. Install it from a checkout or a wheel built by scripts/build.sh (${installCommandLine(interpreter)}), or set "review-ls.importStrategy" to "useBundled".`,
            );
        case 'unsupported':
            return oneLine(`${DISPLAY_NAME}: ${installation.detail} (the interpreter is from ${describeSource(interpreter)}).`);
        case 'broken':
            return oneLine(`${DISPLAY_NAME} could not be imported in ${where}: ${lastLine(installation.detail)}`);
    }
}

/**
 * Tells the user why the server cannot start, in one line, and offers the fix: the bundled review-ls
 * (when the environment's is missing), another interpreter, or the log with the details.
 */
export async function reportMissingInstallation(
    interpreter: Interpreter,
    installation: Exclude<Installation, { kind: 'installed' }>,
    logger: Logger,
): Promise<ProblemChoice> {
    const message = problemMessage(interpreter, installation);
    logger.error(message);
    if (installation.detail) {
        logger.error(installation.detail);
    }
    const actions = installation.kind === 'not-installed' ? [USE_BUNDLED_ACTION, SELECT_INTERPRETER_ACTION, SHOW_LOG_ACTION] : [SELECT_INTERPRETER_ACTION, SHOW_LOG_ACTION];
    const choice = await vscode.window.showErrorMessage(message, ...actions);
    if (choice === USE_BUNDLED_ACTION) {
        await useBundled();
        return 'use-bundled';
    }
    if (choice === SELECT_INTERPRETER_ACTION) {
        await vscode.commands.executeCommand('python.setInterpreter').then(undefined, () =>
            vscode.commands.executeCommand('workbench.action.openSettings', 'review-ls.interpreter'),
        );
        return 'select-interpreter';
    }
    if (choice === SHOW_LOG_ACTION) {
        logger.show();
    }
    return 'dismissed';
}

/**
 * Sets review-ls.importStrategy to useBundled where it is set to fromEnvironment (the workspace
 * folder, the workspace or the user settings); the configuration change restarts the server.
 */
async function useBundled(): Promise<void> {
    const config = vscode.workspace.getConfiguration(EXTENSION_ID);
    const inspected = config.inspect<string>('importStrategy');
    const target =
        inspected?.workspaceFolderValue !== undefined
            ? vscode.ConfigurationTarget.WorkspaceFolder
            : inspected?.workspaceValue !== undefined
              ? vscode.ConfigurationTarget.Workspace
              : vscode.ConfigurationTarget.Global;
    await config.update('importStrategy', 'useBundled', target);
}

/** Where an interpreter came from, in words. */
export function describeSource(interpreter: Interpreter): string {
    switch (interpreter.source) {
        case 'setting':
            return 'the review-ls.interpreter setting';
        case 'python-extension':
            return 'the Python extension';
        case 'virtual-env':
            return 'VIRTUAL_ENV';
        case 'path':
            return 'PATH';
    }
}

/**
 * `text` as one readable notification line: line breaks and runs of spaces collapsed, cut at
 * MAX_MESSAGE_LENGTH characters (the full text is in the log).
 */
export function oneLine(text: string): string {
    const flat = text.replace(/\s+/g, ' ').trim();
    return flat.length <= MAX_MESSAGE_LENGTH ? flat : `${flat.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
}

function lastLine(text: string): string {
    const lines = text.trim().split(/\r?\n/);
    return lines[lines.length - 1] ?? '';
}

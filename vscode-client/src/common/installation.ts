/**
 * Is review-ls installed in the chosen interpreter? If not, say so and offer to install it with pip
 * (never a silent failure).
 */
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import { DISPLAY_NAME, PYTHON_MODULE, PYTHON_PACKAGE } from './constants';
import type { Interpreter } from './interpreter';
import { installArguments, installCommandLine, neutralDirectory, probeArguments } from './launch';
import type { Logger } from './logging';

/** What running the probe in the interpreter found. */
export type Installation =
    | { kind: 'installed'; version: string }
    | { kind: 'interpreter-not-found'; detail: string }
    | { kind: 'not-installed'; detail: string }
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
const INSTALL_TIMEOUT_MS = 10 * 60_000;

/** Classifies the probe's outcome. */
export function classifyProbe(outcome: ProcessOutcome): Installation {
    if (!outcome.error) {
        return { kind: 'installed', version: outcome.stdout.trim() };
    }
    if (outcome.error.code === 'ENOENT' || outcome.error.code === 'EACCES') {
        return { kind: 'interpreter-not-found', detail: outcome.error.message };
    }
    if (outcome.stderr.includes(`No module named '${PYTHON_MODULE}'`)) {
        return { kind: 'not-installed', detail: outcome.stderr.trim() };
    }
    return { kind: 'broken', detail: (outcome.stderr || outcome.error.message).trim() };
}

/** Checks whether `interpreter` can import review-ls. */
export async function probeInstallation(interpreter: Interpreter, run: ProcessRunner = runProcess): Promise<Installation> {
    return classifyProbe(await run(interpreter.command, probeArguments(), PROBE_TIMEOUT_MS));
}

/** The user's answer to "review-ls is not available". */
export type InstallChoice = 'installed' | 'select-interpreter' | 'dismissed';

const INSTALL_ACTION = `Install ${PYTHON_PACKAGE}`;
const SELECT_INTERPRETER_ACTION = 'Select Interpreter';
const SHOW_LOG_ACTION = 'Show Log';

/** The message shown when the server cannot start from `interpreter`. */
export function problemMessage(interpreter: Interpreter, installation: Exclude<Installation, { kind: 'installed' }>): string {
    const where = `${interpreter.command} (from ${describeSource(interpreter)})`;
    switch (installation.kind) {
        case 'interpreter-not-found':
            return `${DISPLAY_NAME}: the Python interpreter ${where} was not found. Set "review-ls.interpreter" or select an interpreter.`;
        case 'not-installed':
            return `${DISPLAY_NAME} is not installed in ${where}. Install it with: ${installCommandLine(interpreter)}`;
        case 'broken':
            return `${DISPLAY_NAME} could not be imported in ${where}: ${lastLine(installation.detail)}`;
    }
}

/**
 * Tells the user why the server cannot start and offers the fix: install review-ls with pip into
 * that interpreter (with progress, output in the log), or pick another interpreter.
 */
export async function reportMissingInstallation(
    interpreter: Interpreter,
    installation: Exclude<Installation, { kind: 'installed' }>,
    logger: Logger,
    run: ProcessRunner = runProcess,
): Promise<InstallChoice> {
    const message = problemMessage(interpreter, installation);
    logger.error(message);
    if (installation.detail) {
        logger.error(installation.detail);
    }
    const actions = installation.kind === 'not-installed' ? [INSTALL_ACTION, SELECT_INTERPRETER_ACTION, SHOW_LOG_ACTION] : [SELECT_INTERPRETER_ACTION, SHOW_LOG_ACTION];
    const choice = await vscode.window.showErrorMessage(message, ...actions);
    if (choice === INSTALL_ACTION) {
        return (await installWithPip(interpreter, logger, run)) ? 'installed' : 'dismissed';
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

/** Runs `<interpreter> -m pip install --upgrade review-ls` with a progress notification; true on success. */
export async function installWithPip(interpreter: Interpreter, logger: Logger, run: ProcessRunner = runProcess): Promise<boolean> {
    const commandLine = installCommandLine(interpreter);
    logger.info(`running: ${commandLine}`);
    const outcome = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Installing ${PYTHON_PACKAGE}…` },
        () => run(interpreter.command, installArguments(), INSTALL_TIMEOUT_MS),
    );
    if (outcome.stdout.trim()) {
        logger.info(outcome.stdout.trim());
    }
    if (!outcome.error) {
        logger.info(`${PYTHON_PACKAGE} installed in ${interpreter.command}`);
        return true;
    }
    logger.error(outcome.stderr.trim() || outcome.error.message);
    const choice = await vscode.window.showErrorMessage(
        `Installing ${PYTHON_PACKAGE} failed (${lastLine(outcome.stderr || outcome.error.message)}). A virtual environment avoids "externally managed" system interpreters.`,
        SHOW_LOG_ACTION,
    );
    if (choice === SHOW_LOG_ACTION) {
        logger.show();
    }
    return false;
}

/** Where an interpreter came from, in words. */
export function describeSource(interpreter: Interpreter): string {
    switch (interpreter.source) {
        case 'setting':
            return 'the review-ls.interpreter setting';
        case 'python-extension':
            return 'the Python extension';
        case 'path':
            return 'PATH';
    }
}

function lastLine(text: string): string {
    const lines = text.trim().split(/\r?\n/);
    return lines[lines.length - 1] ?? '';
}

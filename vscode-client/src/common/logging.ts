/** The `review-ls` output channel: the extension's own log, the server's stderr and LSP traces. */
import * as vscode from 'vscode';
import { DISPLAY_NAME } from './constants';

/** What the extension's modules log through (a LogOutputChannel in VS Code, a recorder in tests). */
export interface Logger {
    debug(message: string): void;
    info(message: string): void;
    warn(message: string): void;
    error(message: string | Error): void;
    /** Reveals the log to the user. */
    show(preserveFocus?: boolean): void;
}

/** Creates the log output channel; the language client writes the server's output to it too. */
export function createLogChannel(): vscode.LogOutputChannel {
    return vscode.window.createOutputChannel(DISPLAY_NAME, { log: true });
}

/** The `review-ls` output channel: the extension's own log, the server's stderr and LSP traces. */
import * as readline from 'node:readline';
import type { Readable } from 'node:stream';
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

export type LogLevelName = 'debug' | 'info' | 'warn' | 'error';

// The server logs `%(asctime)s %(levelname)s %(name)s: %(message)s` (review_ls/server/__init__.py).
const SERVER_LOG_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) (.*)$/;
const LEVELS: Record<string, LogLevelName> = { DEBUG: 'debug', INFO: 'info', WARNING: 'warn', ERROR: 'error', CRITICAL: 'error' };

/**
 * The level and text of one line the server wrote to stderr. The log channel adds its own
 * timestamp, so the server's is dropped. Lines without a level (traceback lines) keep `previous`.
 */
export function parseServerLogLine(line: string, previous: LogLevelName): { level: LogLevelName; message: string } {
    const match = SERVER_LOG_LINE.exec(line);
    if (!match) {
        return { level: previous, message: line };
    }
    return { level: LEVELS[match[1] ?? 'ERROR'] ?? 'error', message: match[2] ?? '' };
}

/** Forwards the server's stderr to the log channel line by line, each at the level the server logged it. */
export function forwardServerLog(input: Readable, channel: Pick<Logger, LogLevelName>): void {
    let level: LogLevelName = 'error';
    readline.createInterface({ input, crlfDelay: Infinity, terminal: false }).on('line', (line) => {
        const parsed = parseServerLogLine(line, level);
        level = parsed.level;
        channel[level](parsed.message);
    });
}

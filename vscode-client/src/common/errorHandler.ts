/** What the language client says when the connection to the server fails or closes: one line each. */
import type { CloseHandlerResult, ErrorHandler, ErrorHandlerResult, Message } from 'vscode-languageclient/node';
import { DISPLAY_NAME } from './constants';
import { oneLine } from './installation';

/**
 * vscode-languageclient's own decisions (`fallback`: retry, restart, give up) with one-line
 * notifications: its default for a failing connection spans three lines with the raw error in the
 * middle, and it is shown whether the client retries or gives up. The details stay in the log.
 * (Types only from vscode-languageclient, so that this module loads without VS Code in unit tests.)
 */
export function oneLineErrorHandler(fallback: () => ErrorHandler): ErrorHandler {
    return {
        async error(error: Error, message: Message | undefined, count: number | undefined): Promise<ErrorHandlerResult> {
            const result = await fallback().error(error, message, count);
            const text = result.message ?? `${DISPLAY_NAME}: the connection to the server is failing (${error.message}). See the log.`;
            return { ...result, message: oneLine(text) };
        },
        async closed(): Promise<CloseHandlerResult> {
            const result = await fallback().closed();
            return result.message === undefined ? result : { ...result, message: oneLine(result.message) };
        },
    };
}

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CloseHandlerResult, ErrorHandler, ErrorHandlerResult } from 'vscode-languageclient/node';
import { oneLineErrorHandler } from '../../src/common/errorHandler';

// vscode-languageclient's ErrorAction and CloseAction values (its module needs VS Code to load).
const CONTINUE = 1 as ErrorHandlerResult['action'];
const SHUTDOWN = 2 as ErrorHandlerResult['action'];
const DO_NOT_RESTART = 1 as CloseHandlerResult['action'];
const RESTART = 2 as CloseHandlerResult['action'];

/** A stand-in for vscode-languageclient's default handler that decides `errorAction` and `closeResult`. */
function deciding(errorAction: ErrorHandlerResult['action'], closeResult: CloseHandlerResult): () => ErrorHandler {
    return () => ({ error: () => ({ action: errorAction }), closed: () => closeResult });
}

describe('oneLineErrorHandler', () => {
    test('a failing connection is announced in one line naming the error, whatever the client decides', async () => {
        const error = new Error('write EPIPE\n    at afterWriteDispatched (node:internal/stream_base_commons:161:15)');
        for (const action of [CONTINUE, SHUTDOWN]) {
            const result = await oneLineErrorHandler(deciding(action, { action: RESTART })).error(error, undefined, 4);
            assert.equal(result.action, action);
            assert.equal(result.message, 'review-ls: the connection to the server is failing (write EPIPE at afterWriteDispatched (node:internal/stream_base_commons:161:15)). See the log.');
        }
    });

    test("the client's close decisions are kept, a crash-loop message on one line", async () => {
        const crashLoop = oneLineErrorHandler(deciding(CONTINUE, { action: DO_NOT_RESTART, message: 'The review-ls server crashed 5 times\nin the last 3 minutes.' }));
        assert.deepEqual(await crashLoop.closed(), { action: DO_NOT_RESTART, message: 'The review-ls server crashed 5 times in the last 3 minutes.' });
        assert.deepEqual(await oneLineErrorHandler(deciding(CONTINUE, { action: RESTART })).closed(), { action: RESTART });
    });
});

import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { forwardServerLog, parseServerLogLine } from '../../src/common/logging';

describe("the server's log lines", () => {
    test('keep the level the server logged them at, without its timestamp', () => {
        assert.deepEqual(parseServerLogLine('2026-11-25 06:33:39,830 WARNING pygls.protocol.json_rpc: Cancel notification', 'error'), {
            level: 'warn',
            message: 'pygls.protocol.json_rpc: Cancel notification',
        });
        assert.equal(parseServerLogLine('2026-11-25 06:33:39,830 INFO review_ls.server: indexed', 'error').level, 'info');
        assert.equal(parseServerLogLine('2026-11-25 06:33:39,830 CRITICAL review_ls: boom', 'info').level, 'error');
    });

    test('a traceback line continues the level of the line before it', () => {
        assert.deepEqual(parseServerLogLine('  File "x.py", line 3, in f', 'error'), { level: 'error', message: '  File "x.py", line 3, in f' });
    });

    test('are forwarded from the stream to the channel', async () => {
        const received: string[] = [];
        const channel = {
            debug: (m: string) => received.push(`debug ${m}`),
            info: (m: string) => received.push(`info ${m}`),
            warn: (m: string) => received.push(`warn ${m}`),
            error: (m: string | Error) => received.push(`error ${String(m)}`),
        };
        const stream = new PassThrough();
        forwardServerLog(stream, channel);
        const closed = new Promise((resolve) => stream.on('end', resolve));
        stream.end('2026-11-25 06:33:39,830 ERROR review_ls.server.app: failed\nTraceback (most recent call last):\n2026-11-25 06:33:40,001 DEBUG review_ls: ok\n');
        await closed;
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(received, ['error review_ls.server.app: failed', 'error Traceback (most recent call last):', 'debug review_ls: ok']);
    });
});

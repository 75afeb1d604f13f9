import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { fixAllArguments } from '../../src/common/commands';
import { presentStatus, ServerStatus, type ServerState } from '../../src/common/status';
import { testing, Uri } from '../stubs/vscode';

describe('status bar', () => {
    beforeEach(() => testing.reset());

    test('every state has its own text; problems are highlighted', () => {
        const states: ServerState[] = ['starting', 'running', 'stopped', 'disabled', 'not-installed', 'failed'];
        const presentations = states.map((state) => presentStatus(state, ''));
        assert.equal(new Set(presentations.map((item) => `${item.text}|${item.tooltip}`)).size, states.length);
        assert.deepEqual(
            states.filter((_, index) => presentations[index]?.warning),
            ['stopped', 'not-installed', 'failed'],
        );
    });

    test('the item shows the state with the interpreter in its tooltip and opens the log on click', () => {
        const status = new ServerStatus();
        status.show('running', '/work/app/.venv/bin/python (the Python extension)');
        const [item] = testing.statusBarItems;
        assert.ok(item);
        assert.equal(item.visible, true);
        assert.equal(item.command, 'review-ls.showLog');
        assert.equal(item.text, '$(check) review-ls');
        assert.equal(item.tooltip, 'review-ls: running\n/work/app/.venv/bin/python (the Python extension)');
        assert.equal(item.backgroundColor, undefined);
        status.show('failed', 'exit code 1');
        assert.equal(status.state, 'failed');
        assert.equal(item.text, '$(error) review-ls');
        assert.ok(item.backgroundColor);
        status.dispose();
        assert.equal(item.disposed, true);
    });
});

describe('fix all', () => {
    test("sends the document's URI and version to the server command", () => {
        const uri = Uri.file('/work/app/service.py');
        assert.deepEqual(fixAllArguments({ uri: uri as never, version: 7 }), [{ uri: uri.toString(), version: 7 }]);
    });
});

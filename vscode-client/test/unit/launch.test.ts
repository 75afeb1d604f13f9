import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as os from 'node:os';
import { installCommandLine, probeArguments, serverLaunch } from '../../src/common/launch';

describe('serverLaunch', () => {
    const interpreter = { command: '/work/app/.venv/bin/python', source: 'python-extension' as const };

    test('runs `python -I -m review_ls serve` over stdio with the configured log level', () => {
        const launch = serverLaunch(interpreter, 'debug', { PATH: '/usr/bin' });
        assert.equal(launch.command, '/work/app/.venv/bin/python');
        assert.deepEqual(launch.args, ['-I', '-m', 'review_ls', 'serve', '--stdio', '--log-level', 'debug']);
    });

    test('runs outside the workspace with unbuffered UTF-8 output and the inherited environment', () => {
        const launch = serverLaunch(interpreter, 'info', { PATH: '/usr/bin', VIRTUAL_ENV: '/work/app/.venv' });
        assert.equal(launch.options.cwd, os.tmpdir());
        assert.deepEqual(launch.options.env, {
            PATH: '/usr/bin',
            VIRTUAL_ENV: '/work/app/.venv',
            PYTHONUNBUFFERED: '1',
            PYTHONIOENCODING: 'utf-8',
        });
    });

});

describe('serverLaunch with the bundled review-ls', () => {
    test("runs the bundle's launcher script in isolated mode instead of `-m review_ls`", () => {
        const launcher = '/ext/bundled/tool/server.py';
        const launch = serverLaunch({ command: '/usr/bin/python3', source: 'path' }, 'info', {}, undefined, launcher);
        assert.deepEqual(launch.args, ['-I', launcher, 'serve', '--stdio', '--log-level', 'info']);
        assert.equal(launch.options.cwd, os.tmpdir());
    });
});

describe('probe and install command lines', () => {
    test('the probe imports review_ls and prints its version', () => {
        assert.deepEqual(probeArguments(), ['-I', '-c', 'import review_ls, sys; sys.stdout.write(review_ls.__version__)']);
    });

    test("the bundle's probe asks its launcher, in isolated mode", () => {
        assert.deepEqual(probeArguments('/ext/bundled/tool/server.py'), ['-I', '/ext/bundled/tool/server.py', '--probe']);
    });

    test('the install hint installs from a checkout or a wheel, never a package index name', () => {
        assert.equal(installCommandLine({ command: '/usr/bin/python3', source: 'path' }), '/usr/bin/python3 -m pip install <review-ls checkout or .whl>');
        assert.doesNotMatch(installCommandLine({ command: 'python3', source: 'path' }), /install (--upgrade )?review-ls$/);
    });

    test('an interpreter path with spaces is quoted for the shell', () => {
        assert.equal(
            installCommandLine({ command: '/Users/a b/venv/bin/python', source: 'setting' }),
            '"/Users/a b/venv/bin/python" -m pip install <review-ls checkout or .whl>',
        );
    });
});

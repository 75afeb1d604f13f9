import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as os from 'node:os';
import { installArguments, installCommandLine, probeArguments, serverLaunch } from '../../src/common/launch';

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

describe('probe and install command lines', () => {
    test('the probe imports review_ls and prints its version', () => {
        assert.deepEqual(probeArguments(), ['-I', '-c', 'import review_ls, sys; sys.stdout.write(review_ls.__version__)']);
    });

    test('pip installs or upgrades the review-ls distribution into the same interpreter', () => {
        assert.deepEqual(installArguments(), ['-m', 'pip', 'install', '--upgrade', 'review-ls']);
        assert.equal(installCommandLine({ command: '/usr/bin/python3', source: 'path' }), '/usr/bin/python3 -m pip install --upgrade review-ls');
    });

    test('an interpreter path with spaces is quoted for the shell', () => {
        assert.equal(
            installCommandLine({ command: '/Users/a b/venv/bin/python', source: 'setting' }),
            '"/Users/a b/venv/bin/python" -m pip install --upgrade review-ls',
        );
    });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import {
    classifyProbe,
    probeInstallation,
    problemMessage,
    reportMissingInstallation,
    type ProcessRunner,
} from '../../src/common/installation';
import type { Interpreter } from '../../src/common/interpreter';
import type { Logger } from '../../src/common/logging';
import { testing } from '../stubs/vscode';

const PYTHON = process.env.REVIEW_LS_TEST_PYTHON ?? 'python3';
const POSIX = process.platform !== 'win32';

/** A logger that records what it was told. */
function recordingLogger(): Logger & { lines: string[]; shown: number } {
    const logger = {
        lines: [] as string[],
        shown: 0,
        debug: (message: string) => logger.lines.push(`debug: ${message}`),
        info: (message: string) => logger.lines.push(`info: ${message}`),
        warn: (message: string) => logger.lines.push(`warn: ${message}`),
        error: (message: string | Error) => logger.lines.push(`error: ${String(message)}`),
        show: () => {
            logger.shown += 1;
        },
    };
    return logger;
}

const temporaryDirectories: string[] = [];
after(() => temporaryDirectories.forEach((directory) => rmSync(directory, { recursive: true, force: true })));

/** A new empty directory, removed when the tests finish. */
function temporaryDirectory(purpose: string): string {
    const directory = mkdtempSync(path.join(os.tmpdir(), `review-ls-${purpose}-`));
    temporaryDirectories.push(directory);
    return directory;
}

/**
 * A real interpreter for the probe: a fresh venv (no pip) whose site-packages holds what `plant`
 * writes there, so what is importable under `python -I` is exactly what the test put there.
 */
function interpreterWith(plant: (sitePackages: string) => void): Interpreter {
    const venv = temporaryDirectory('venv');
    const created = spawnSync(PYTHON, ['-m', 'venv', '--without-pip', venv]);
    assert.equal(created.status, 0, String(created.stderr));
    const python = path.join(venv, 'bin', 'python');
    const sitePackages = String(spawnSync(python, ['-I', '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])']).stdout).trim();
    plant(sitePackages);
    return { command: python, source: 'setting' };
}

describe('probeInstallation runs the probe in a real interpreter', { skip: !POSIX && 'needs a POSIX shell' }, () => {
    test('finds an importable review_ls and reads its version', async () => {
        const interpreter = interpreterWith((site) => {
            mkdirSync(path.join(site, 'review_ls'));
            writeFileSync(path.join(site, 'review_ls', '__init__.py'), '__version__ = "9.8.7"\n');
        });
        assert.deepEqual(await probeInstallation(interpreter), { kind: 'installed', version: '9.8.7' });
    });

    test('reports review_ls missing from an interpreter that cannot import it', async () => {
        const installation = await probeInstallation(interpreterWith(() => undefined));
        assert.equal(installation.kind, 'not-installed');
        assert.match(installation.kind === 'not-installed' ? installation.detail : '', /No module named 'review_ls'/);
    });

    test('reports an interpreter that does not exist', async () => {
        const installation = await probeInstallation({ command: '/nonexistent/bin/python', source: 'setting' });
        assert.equal(installation.kind, 'interpreter-not-found');
    });
});

describe('classifyProbe', () => {
    test('an import error other than a missing module is reported as broken, with the last line', () => {
        const installation = classifyProbe({
            stdout: '',
            stderr: 'Traceback (most recent call last):\n  ...\nImportError: cannot import name "x" from "pygls"',
            error: { code: 1, message: 'Command failed' },
        });
        assert.equal(installation.kind, 'broken');
        assert.match(problemMessage({ command: 'python3', source: 'path' }, installation as never), /could not be imported in python3 \(from PATH\): ImportError: cannot import name/);
    });
});

describe('reportMissingInstallation', () => {
    beforeEach(() => testing.reset());
    const interpreter: Interpreter = { command: '/work/app/.venv/bin/python', source: 'python-extension' };
    const notInstalled = { kind: 'not-installed' as const, detail: "ModuleNotFoundError: No module named 'review_ls'" };

    test('says review-ls is missing in which interpreter, and offers to install it', async () => {
        testing.answers.push(undefined);
        const logger = recordingLogger();
        assert.equal(await reportMissingInstallation(interpreter, notInstalled, logger), 'dismissed');
        assert.deepEqual(testing.messages, [
            [
                'error',
                'review-ls is not installed in /work/app/.venv/bin/python (from the Python extension). Install it with: /work/app/.venv/bin/python -m pip install --upgrade review-ls',
                ['Install review-ls', 'Select Interpreter', 'Show Log'],
            ],
        ]);
        assert.ok(logger.lines.some((line) => line.includes("No module named 'review_ls'")));
    });

    test('"Install review-ls" runs pip in that interpreter', async () => {
        testing.answers.push('Install review-ls');
        const runs: [string, string[]][] = [];
        const pip: ProcessRunner = async (command, args) => {
            runs.push([command, args]);
            return { stdout: 'Successfully installed review-ls-0.1.0', stderr: '' };
        };
        const logger = recordingLogger();
        assert.equal(await reportMissingInstallation(interpreter, notInstalled, logger, pip), 'installed');
        assert.deepEqual(runs, [['/work/app/.venv/bin/python', ['-m', 'pip', 'install', '--upgrade', 'review-ls']]]);
        assert.ok(logger.lines.includes('info: Successfully installed review-ls-0.1.0'));
    });

    test('a failed pip install is reported with its last line, and the log is offered', async () => {
        testing.answers.push('Install review-ls', 'Show Log');
        const pip: ProcessRunner = async () => ({
            stdout: '',
            stderr: 'error: externally-managed-environment\n\nhint: See PEP 668 for the detailed specification.',
            error: { code: 1, message: 'Command failed' },
        });
        const logger = recordingLogger();
        assert.equal(await reportMissingInstallation(interpreter, notInstalled, logger, pip), 'dismissed');
        assert.match(testing.messages[1]?.[1] ?? '', /^Installing review-ls failed \(hint: See PEP 668 for the detailed specification\.\)/);
        assert.equal(logger.shown, 1);
    });

    test('"Select Interpreter" opens the Python extension\'s picker, or the setting when it is not installed', async () => {
        testing.answers.push('Select Interpreter');
        testing.missingCommands.add('python.setInterpreter');
        const missingInterpreter = { kind: 'interpreter-not-found' as const, detail: 'spawn /x/python ENOENT' };
        assert.equal(await reportMissingInstallation({ command: '/x/python', source: 'setting' }, missingInterpreter, recordingLogger()), 'select-interpreter');
        assert.deepEqual(testing.messages[0]?.[2], ['Select Interpreter', 'Show Log']);
        assert.deepEqual(testing.executedCommands, [
            ['python.setInterpreter', []],
            ['workbench.action.openSettings', ['review-ls.interpreter']],
        ]);
    });
});

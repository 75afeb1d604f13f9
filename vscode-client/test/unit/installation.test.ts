import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import {
    classifyProbe,
    probeInstallation,
    problemMessage,
    reportMissingInstallation,
} from '../../src/common/installation';
import type { Interpreter } from '../../src/common/interpreter';
import type { Logger } from '../../src/common/logging';
import { ConfigurationTarget, testing } from '../stubs/vscode';

const PYTHON = process.env.REVIEW_LS_TEST_PYTHON ?? 'python3';
const POSIX = process.platform !== 'win32';
const LAUNCHER = path.resolve(__dirname, '..', '..', 'bundled', 'tool', 'server.py');

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

/** The bundle's launcher (bundled/tool/server.py) copied beside a bundled/libs with `manifest`, or none. */
function bundleWith(manifest: object | undefined): string {
    const root = temporaryDirectory('bundle');
    mkdirSync(path.join(root, 'tool'));
    mkdirSync(path.join(root, 'libs'));
    copyFileSync(LAUNCHER, path.join(root, 'tool', 'server.py'));
    if (manifest) {
        writeFileSync(path.join(root, 'libs', 'review_ls_bundle.json'), JSON.stringify(manifest));
    }
    return path.join(root, 'tool', 'server.py');
}

describe("the bundle's launcher tells the probe why an interpreter cannot run it", { skip: !POSIX && 'needs a POSIX shell' }, () => {
    const python: Interpreter = { command: PYTHON, source: 'path' };

    test('a Python version the bundle has no native wheels for is unsupported, named in one line', async () => {
        const installation = await probeInstallation(python, undefined, bundleWith({ target: 'linux-x64', pythons: ['2.0'] }));
        assert.equal(installation.kind, 'unsupported');
        assert.match(problemMessage(python, installation as never), /^review-ls: CPython 3\.\d+ \(.*\) cannot run the bundled review-ls, which is built for CPython 2\.0; select another interpreter \(the interpreter is from PATH\)\.$/);
    });

    test('an extension built without bundled/libs says so and names the other import strategy', async () => {
        const installation = await probeInstallation(python, undefined, bundleWith(undefined));
        assert.equal(installation.kind, 'unsupported');
        assert.match(installation.kind === 'unsupported' ? installation.detail : '', /no bundled review-ls .*set review-ls\.importStrategy to fromEnvironment/);
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

    test('says review-ls is missing in which interpreter, how to install it from a checkout or wheel, and offers the bundle', async () => {
        testing.answers.push(undefined);
        const logger = recordingLogger();
        assert.equal(await reportMissingInstallation(interpreter, notInstalled, logger), 'dismissed');
        assert.deepEqual(testing.messages, [
            [
                'error',
                'review-ls is not installed in /work/app/.venv/bin/python (from the Python extension). Install it from a checkout or a wheel built by scripts/build.sh (/work/app/.venv/bin/python -m pip install <review-ls checkout or .whl>), or set "review-ls.importStrategy" to "useBundled".',
                ['Use Bundled review-ls', 'Select Interpreter', 'Show Log'],
            ],
        ]);
        assert.ok(logger.lines.some((line) => line.includes("No module named 'review_ls'")));
    });

    test('"Use Bundled review-ls" sets review-ls.importStrategy where fromEnvironment was set', async () => {
        testing.configure({ 'review-ls.importStrategy': 'fromEnvironment' });
        testing.answers.push('Use Bundled review-ls');
        assert.equal(await reportMissingInstallation(interpreter, notInstalled, recordingLogger()), 'use-bundled');
        testing.workspaceKeys.add('review-ls.importStrategy');
        testing.answers.push('Use Bundled review-ls');
        await reportMissingInstallation(interpreter, notInstalled, recordingLogger());
        assert.deepEqual(testing.updates, [
            ['review-ls.importStrategy', 'useBundled', ConfigurationTarget.Global],
            ['review-ls.importStrategy', 'useBundled', ConfigurationTarget.Workspace],
        ]);
    });

    test('an interpreter that cannot run the bundle gets one line naming it, and the log', async () => {
        testing.answers.push('Show Log');
        const logger = recordingLogger();
        const unsupported = { kind: 'unsupported' as const, detail: 'CPython 3.9 (/usr/bin/python3) cannot run the bundled review-ls, which is built for CPython 3.10, 3.11; select another interpreter' };
        assert.equal(await reportMissingInstallation({ command: '/usr/bin/python3', source: 'path' }, unsupported, logger), 'dismissed');
        assert.deepEqual(testing.messages[0], [
            'error',
            'review-ls: CPython 3.9 (/usr/bin/python3) cannot run the bundled review-ls, which is built for CPython 3.10, 3.11; select another interpreter (the interpreter is from PATH).',
            ['Select Interpreter', 'Show Log'],
        ]);
        assert.equal(logger.shown, 1);
    });

    test('a broken import is one line however long the traceback, with the log offered', async () => {
        testing.answers.push(undefined);
        const traceback = `Traceback (most recent call last):\n${'  File "x.py", line 1\n'.repeat(200)}ImportError: ${'x'.repeat(1000)}`;
        await reportMissingInstallation(interpreter, { kind: 'broken', detail: traceback }, recordingLogger());
        const [, text, actions] = testing.messages[0] ?? [];
        assert.doesNotMatch(text ?? '', /\n|Traceback/);
        assert.ok((text ?? '').length <= 400, String(text?.length));
        assert.deepEqual(actions, ['Select Interpreter', 'Show Log']);
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

import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeEach, describe, test } from 'node:test';
import type * as vscode from 'vscode';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { after } from 'node:test';
import {
    chooseInterpreter,
    defaultInterpreter,
    expandInterpreterPath,
    loadPythonEnvironments,
    virtualEnvInterpreter,
    type PythonEnvironments,
} from '../../src/common/interpreter';
import { EventEmitter, testing, Uri } from '../stubs/vscode';

const FOLDER_PATH = path.resolve('/work/app');

function folder(): vscode.WorkspaceFolder {
    return { uri: Uri.file(FOLDER_PATH), name: 'app', index: 0 } as unknown as vscode.WorkspaceFolder;
}

/** The Python extension's environments as a function of the folder the interpreter is asked for. */
function environments(selected: (resource?: vscode.Uri) => string | undefined): PythonEnvironments {
    return {
        activeInterpreter: async (resource) => selected(resource),
        onDidChangeActiveInterpreter: new EventEmitter<unknown>().event as unknown as vscode.Event<unknown>,
    };
}

/** Registers a fake ms-python.python whose selected environment is `executable`. */
function installPythonExtension(executable: string | undefined, options: { failActivation?: boolean } = {}): { activations: number } {
    const counter = { activations: 0 };
    const api = {
        environments: {
            getActiveEnvironmentPath: (resource?: Uri) => ({ id: 'env', path: executable ?? '', resource }),
            resolveEnvironment: async (environment: { path: string }) =>
                environment.path ? { executable: { uri: Uri.file(environment.path) } } : undefined,
            onDidChangeActiveEnvironmentPath: new EventEmitter<unknown>().event,
        },
    };
    testing.extensions.set('ms-python.python', {
        id: 'ms-python.python',
        isActive: false,
        exports: undefined,
        async activate() {
            counter.activations += 1;
            if (options.failActivation) {
                throw new Error('activation failed');
            }
            return api;
        },
    });
    return counter;
}

describe('chooseInterpreter', () => {
    test('the review-ls.interpreter setting wins over the Python extension', async () => {
        const chosen = await chooseInterpreter('/opt/venv/bin/python', folder(), environments(() => '/usr/bin/python3.12'));
        assert.deepEqual(chosen, { command: path.resolve('/opt/venv/bin/python'), source: 'setting' });
    });

    test("the Python extension's interpreter for the workspace folder is used when the setting is empty", async () => {
        const asked: (string | undefined)[] = [];
        const chosen = await chooseInterpreter(
            '',
            folder(),
            environments((resource) => {
                asked.push(resource?.fsPath);
                return '/work/app/.venv/bin/python';
            }),
        );
        assert.deepEqual(chosen, { command: '/work/app/.venv/bin/python', source: 'python-extension' });
        assert.deepEqual(asked, [FOLDER_PATH]);
    });

    test('python3 on PATH when the Python extension is missing or has no interpreter selected', async () => {
        assert.deepEqual(await chooseInterpreter('', folder(), undefined), { command: defaultInterpreter(), source: 'path' });
        assert.deepEqual(await chooseInterpreter('  ', undefined, environments(() => undefined)), { command: defaultInterpreter(), source: 'path' });
    });

    test('the PATH fallback is python3, or python on Windows', () => {
        assert.equal(defaultInterpreter('linux'), 'python3');
        assert.equal(defaultInterpreter('darwin'), 'python3');
        assert.equal(defaultInterpreter('win32'), 'python');
    });
});

describe('an activated virtualenv (VIRTUAL_ENV)', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'review-ls-virtualenv-'));
    after(() => rmSync(root, { recursive: true, force: true }));
    /** A virtualenv folder with an interpreter file (enough for discovery, which does not run it). */
    const venv = (name: string): { root: string; python: string } => {
        const python = process.platform === 'win32' ? path.join(root, name, 'Scripts', 'python.exe') : path.join(root, name, 'bin', 'python');
        mkdirSync(path.dirname(python), { recursive: true });
        writeFileSync(python, '');
        return { root: path.join(root, name), python };
    };

    test('is used when neither the setting nor the Python extension chose an interpreter', async () => {
        const active = venv('active');
        assert.deepEqual(await chooseInterpreter('', folder(), undefined, true, { VIRTUAL_ENV: active.root }), { command: active.python, source: 'virtual-env' });
        assert.deepEqual(await chooseInterpreter('', folder(), environments(() => undefined), true, { VIRTUAL_ENV: active.root }), {
            command: active.python,
            source: 'virtual-env',
        });
    });

    test("comes after the setting and the Python extension's choice", async () => {
        const env = { VIRTUAL_ENV: venv('later').root };
        assert.equal((await chooseInterpreter('/opt/python', folder(), undefined, true, env)).source, 'setting');
        assert.equal((await chooseInterpreter('', folder(), environments(() => '/usr/bin/python3.12'), true, env)).source, 'python-extension');
    });

    test('a VIRTUAL_ENV without an interpreter, or unset, falls back to PATH', async () => {
        assert.equal(virtualEnvInterpreter({ VIRTUAL_ENV: path.join(root, 'deleted') }), undefined);
        assert.equal((await chooseInterpreter('', folder(), undefined, true, { VIRTUAL_ENV: path.join(root, 'deleted') })).source, 'path');
        assert.equal((await chooseInterpreter('', folder(), undefined, true, {})).source, 'path');
    });

    test('a virtualenv inside an untrusted workspace folder is not used', async () => {
        const inside = { uri: Uri.file(root), name: 'ws', index: 0 } as unknown as vscode.WorkspaceFolder;
        const env = { VIRTUAL_ENV: venv('.venv').root };
        assert.equal((await chooseInterpreter('', inside, undefined, false, env)).source, 'path');
        assert.equal((await chooseInterpreter('', inside, undefined, true, env)).source, 'virtual-env');
    });
});

describe('expandInterpreterPath', () => {
    const home = path.resolve('/home/dev');

    test('expands ~ and ${userHome}', () => {
        assert.equal(expandInterpreterPath('~/venvs/tools/bin/python', undefined, home), path.join(home, 'venvs/tools/bin/python'));
        assert.equal(expandInterpreterPath('${userHome}/bin/python', undefined, home), `${home}/bin/python`);
    });

    test('expands ${workspaceFolder} and resolves relative paths against the folder', () => {
        assert.equal(expandInterpreterPath('${workspaceFolder}/.venv/bin/python', FOLDER_PATH, home), `${FOLDER_PATH}/.venv/bin/python`);
        assert.equal(expandInterpreterPath('.venv/bin/python', FOLDER_PATH, home), path.join(FOLDER_PATH, '.venv/bin/python'));
    });

    test('leaves a bare command name for PATH lookup', () => {
        assert.equal(expandInterpreterPath('python3.12', FOLDER_PATH, home), 'python3.12');
    });

    test('uses the real home directory by default', () => {
        assert.equal(expandInterpreterPath('~', undefined), os.homedir());
    });
});

describe('loadPythonEnvironments', () => {
    beforeEach(() => testing.reset());

    test('is undefined when the Python extension is not installed', async () => {
        const errors: string[] = [];
        assert.equal(await loadPythonEnvironments((message) => errors.push(message)), undefined);
        assert.deepEqual(errors, []);
    });

    test("activates the Python extension and resolves its selected environment's executable", async () => {
        const counter = installPythonExtension('/work/app/.venv/bin/python');
        const loaded = await loadPythonEnvironments(() => assert.fail('no error expected'));
        assert.ok(loaded);
        assert.equal(counter.activations, 1);
        assert.equal(await loaded.activeInterpreter(Uri.file(FOLDER_PATH) as unknown as vscode.Uri), path.resolve('/work/app/.venv/bin/python'));
    });

    test('an environment without an executable yields no interpreter (so PATH is used)', async () => {
        installPythonExtension(undefined);
        const loaded = await loadPythonEnvironments(() => assert.fail('no error expected'));
        assert.equal(await loaded?.activeInterpreter(), undefined);
        assert.deepEqual(await chooseInterpreter('', undefined, loaded), { command: defaultInterpreter(), source: 'path' });
    });

    test('an extension that fails to activate is reported and ignored', async () => {
        installPythonExtension('/x/python', { failActivation: true });
        const errors: string[] = [];
        assert.equal(await loadPythonEnvironments((message) => errors.push(message)), undefined);
        assert.match(errors[0] ?? '', /could not use ms-python\.python: Error: activation failed; using PATH/);
    });
});

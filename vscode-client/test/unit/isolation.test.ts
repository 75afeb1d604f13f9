// Security (#18): no code from the workspace runs when the extension starts Python. Uses the real
// `python3` (review-ls is installed in it for the project's tests) and a workspace that plants code.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { probeInstallation, runProcess } from '../../src/common/installation';
import { chooseInterpreter, type PythonEnvironments } from '../../src/common/interpreter';
import { serverLaunch, type ProcessLaunch } from '../../src/common/launch';
import { EventEmitter, Uri } from '../stubs/vscode';
import type * as vscode from 'vscode';

const PYTHON = 'python3';
const hasReviewLs = spawnSync(PYTHON, ['-I', '-c', 'import review_ls'], { cwd: os.tmpdir() }).status === 0;

/** A workspace whose `review_ls/__init__.py`, `libcst.py` and `.pth` write `marker` when run. */
function plantedWorkspace(root: string, marker: string): void {
    const payload = `open(${JSON.stringify(marker)}, 'a').write(__name__ + '\\n')\n`;
    fs.mkdirSync(path.join(root, 'review_ls'), { recursive: true });
    fs.writeFileSync(path.join(root, 'review_ls', '__init__.py'), payload + "__version__ = 'planted'\n");
    fs.writeFileSync(path.join(root, 'review_ls', '__main__.py'), payload);
    fs.writeFileSync(path.join(root, 'libcst.py'), payload);
    fs.writeFileSync(path.join(root, 'planted.pth'), `import os; ${payload.trim()}\n`);
}

/** Runs `launch` with stdin closed (the server exits at end of input) and waits for it. */
function runToExit(launch: ProcessLaunch): Promise<number | null> {
    return new Promise((resolve, reject) => {
        const child = spawn(launch.command, launch.args, { ...launch.options, stdio: ['pipe', 'ignore', 'ignore'] });
        child.on('error', reject);
        child.on('exit', (code) => resolve(code));
        child.stdin.end();
    });
}

describe('no workspace code runs when the extension starts Python', { skip: hasReviewLs ? false : 'review_ls not importable by python3 -I' }, () => {
    let workspace = '';
    let marker = '';
    before(() => {
        workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'review-ls-planted-'));
        marker = path.join(workspace, 'PLANTED-CODE-RAN');
        plantedWorkspace(workspace, marker);
    });
    after(() => fs.rmSync(workspace, { recursive: true, force: true }));

    test('the probe finds the installed review-ls, not the planted package', async () => {
        const installation = await probeInstallation({ command: PYTHON, source: 'path' }, runProcess);
        assert.equal(installation.kind, 'installed');
        assert.notEqual(installation.kind === 'installed' && installation.version, 'planted');
        assert.equal(fs.existsSync(marker), false);
    });

    test('the server launch imports nothing from the workspace even with it as cwd and on PYTHONPATH', async () => {
        const env = { ...process.env, PYTHONPATH: workspace };
        await runToExit(serverLaunch({ command: PYTHON, source: 'path' }, 'info', env, workspace));
        assert.equal(fs.existsSync(marker), false, fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : '');
    });

    test('the server runs outside the workspace by default', () => {
        const cwd = serverLaunch({ command: PYTHON, source: 'path' }, 'info', {}).options.cwd ?? '';
        assert.equal(path.relative(workspace, cwd).startsWith('..'), true);
    });
});

describe('an untrusted workspace cannot choose its own interpreter', () => {
    const root = path.resolve('/work/app');
    const folder = { uri: Uri.file(root), name: 'app', index: 0 } as unknown as vscode.WorkspaceFolder;
    const selecting = (executable: string): PythonEnvironments => ({
        activeInterpreter: async () => executable,
        onDidChangeActiveInterpreter: new EventEmitter<unknown>().event as unknown as vscode.Event<unknown>,
    });
    const workspaceVenv = path.join(root, '.venv', 'bin', 'python');

    test("the workspace's .venv (its site-packages may hold a planted .pth) is skipped when untrusted", async () => {
        const chosen = await chooseInterpreter('', folder, selecting(workspaceVenv), false);
        assert.equal(chosen.source, 'path');
    });

    test("the workspace's .venv is used once the workspace is trusted", async () => {
        const chosen = await chooseInterpreter('', folder, selecting(workspaceVenv), true);
        assert.deepEqual(chosen, { command: workspaceVenv, source: 'python-extension' });
    });

    test('an interpreter outside the workspace is used even when untrusted', async () => {
        const chosen = await chooseInterpreter('', folder, selecting('/usr/bin/python3'), false);
        assert.deepEqual(chosen, { command: '/usr/bin/python3', source: 'python-extension' });
    });
});

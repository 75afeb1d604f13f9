// The review-ls bundled in the extension (bundled/libs, filled by `npm run package`) runs from a bare
// virtualenv, and imports nothing from the workspace: the launcher runs in isolated mode too.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { probeInstallation } from '../../src/common/installation';
import type { Interpreter } from '../../src/common/interpreter';
import { serverLaunch } from '../../src/common/launch';

const CLIENT_ROOT = path.resolve(__dirname, '..', '..');
const LAUNCHER = path.join(CLIENT_ROOT, 'bundled', 'tool', 'server.py');
const BUILT = fs.existsSync(path.join(CLIENT_ROOT, 'bundled', 'libs', 'review_ls_bundle.json'));
const PYTHON = process.env.REVIEW_LS_TEST_PYTHON ?? 'python3';
const POSIX = process.platform !== 'win32';
const skip = !POSIX ? 'needs a POSIX virtualenv layout' : !BUILT ? 'bundled/libs is not built (run `npm run package`)' : false;

describe('the bundled review-ls', { skip }, () => {
    let root = '';
    let bare: Interpreter = { command: '', source: 'virtual-env' };
    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), 'review-ls-bundle-'));
        const venv = path.join(root, 'venv');
        const created = spawnSync(PYTHON, ['-m', 'venv', '--without-pip', venv], { encoding: 'utf8' });
        assert.equal(created.status, 0, created.stderr);
        bare = { command: path.join(venv, 'bin', 'python'), source: 'virtual-env' };
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    test('a bare virtualenv cannot import review_ls, but runs the bundled one', async () => {
        assert.equal((await probeInstallation(bare)).kind, 'not-installed');
        const installation = await probeInstallation(bare, undefined, LAUNCHER);
        assert.equal(installation.kind, 'installed', JSON.stringify(installation));
    });

    test('the bundled server imports nothing from the workspace, even as cwd and on PYTHONPATH', async () => {
        const workspace = path.join(root, 'workspace');
        const marker = path.join(root, 'PLANTED-CODE-RAN');
        const payload = `open(${JSON.stringify(marker)}, 'a').write(__name__ + '\\n')\n`;
        fs.mkdirSync(path.join(workspace, 'review_ls'), { recursive: true });
        fs.writeFileSync(path.join(workspace, 'review_ls', '__init__.py'), payload);
        fs.writeFileSync(path.join(workspace, 'libcst.py'), payload);
        fs.writeFileSync(path.join(workspace, 'pygls.py'), payload);
        const launch = serverLaunch(bare, 'info', { ...process.env, PYTHONPATH: workspace }, workspace, LAUNCHER);
        const exitCode = await new Promise<number | null>((resolve, reject) => {
            const child = spawn(launch.command, launch.args, { ...launch.options, stdio: ['pipe', 'ignore', 'ignore'] });
            child.on('error', reject);
            child.on('exit', resolve);
            child.stdin.end(); // the server exits at the end of its input
        });
        assert.equal(fs.existsSync(marker), false, fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : '');
        assert.notEqual(exitCode, null);
    });
});

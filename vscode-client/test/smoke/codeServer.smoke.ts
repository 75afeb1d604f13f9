/**
 * Smoke test in a real VS Code: code-server (VS Code in the browser) with the packaged .vsix of this
 * platform, driven by headless Chromium through playwright-core. code-server runs with VIRTUAL_ENV
 * set to a bare virtualenv (`python -m venv`, nothing installed in it), so the extension must find
 * that interpreter and run the review-ls bundled in the .vsix. It checks that the Problems panel lists
 * a finding, that its quick fix and the extension's "Fix All" command rewrite the file, that a
 * settings change reaches the running server, and that importStrategy fromEnvironment explains how
 * to install review-ls and offers the bundle back.
 *
 * Needs: dist/review-ls-<platform>-<arch>.vsix (`npm run package`), code-server (CODE_SERVER, else
 * $REVIEW_LS_TOOLS_DIR/code-server, else on PATH; `scripts/ensure_test_tools.sh` with
 * REVIEW_LS_SMOKE_TOOLS=1 installs it), Chromium (CHROMIUM, default /usr/bin/chromium), and a Python
 * 3.10+ that makes the bare venv (REVIEW_LS_BASE_PYTHON, default python3). Skipped, saying which is
 * missing. REVIEW_LS_SMOKE_KEEP=1 keeps the temporary folder (workspace, user data with VS Code's logs).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

const CLIENT_ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.resolve(CLIENT_ROOT, '..', 'tests', 'editors', 'fixtures');
const VSIX = path.join(CLIENT_ROOT, 'dist', `review-ls-${process.platform}-${process.arch}.vsix`);
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const BASE_PYTHON = process.env.REVIEW_LS_BASE_PYTHON ?? 'python3';
const CHROMIUM_FLAGS = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
];
const QUICK_FIX_TITLE = 'Hoist httpx.Client out of the loop';
const STARTUP_TIMEOUT_MS = 90_000;

/** The code-server executable: $CODE_SERVER, the test-tools folder, or PATH. */
function findCodeServer(): string | undefined {
    const toolsDir = process.env.REVIEW_LS_TOOLS_DIR ?? path.join(os.homedir(), '.cache', 'review-ls-test-tools');
    const candidates = [process.env.CODE_SERVER, path.join(toolsDir, 'code-server', 'node_modules', '.bin', 'code-server')];
    const found = candidates.find((candidate) => candidate && existsSync(candidate));
    if (found) {
        return found;
    }
    return spawnSync('code-server', ['--version'], { stdio: 'ignore' }).status === 0 ? 'code-server' : undefined;
}

/** Why the smoke test cannot run here, or undefined. */
function missingRequirement(codeServer: string | undefined): string | undefined {
    if (!existsSync(VSIX)) {
        return `${VSIX} does not exist (run \`npm run package\`)`;
    }
    if (!codeServer) {
        return 'code-server is not installed (REVIEW_LS_SMOKE_TOOLS=1 bash scripts/ensure_test_tools.sh)';
    }
    if (!existsSync(CHROMIUM)) {
        return `Chromium is not at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`;
    }
    const probe = spawnSync(BASE_PYTHON, ['-c', 'import sys, venv; assert sys.version_info >= (3, 10)'], { encoding: 'utf8' });
    if (probe.status !== 0) {
        return `${BASE_PYTHON} is not a Python 3.10+ with venv (set REVIEW_LS_BASE_PYTHON): ${probe.stderr || probe.error?.message}`;
    }
    return undefined;
}

/** A TCP port nobody listens on right now. */
function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
        });
    });
}

/** Resolves when the process prints `marker`; rejects if it exits first or `timeoutMs` passes. */
function waitForOutput(child: ChildProcess, marker: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
        let output = '';
        const timer = setTimeout(() => reject(new Error(`code-server did not print "${marker}" in ${timeoutMs} ms:\n${output}`)), timeoutMs);
        const onData = (chunk: Buffer): void => {
            output += chunk.toString();
            if (output.includes(marker)) {
                clearTimeout(timer);
                resolve();
            }
        };
        child.stdout?.on('data', onData);
        child.stderr?.on('data', onData);
        child.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`code-server exited with ${code}:\n${output}`));
        });
    });
}

/** Waits until `read()` returns `expected`, polling the condition; fails with the last value after `timeoutMs`. */
async function eventually(read: () => string, expected: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = read();
    while (last !== expected && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        last = read();
    }
    assert.equal(last, expected);
}

const codeServer = findCodeServer();
const skip = missingRequirement(codeServer);

interface Session {
    root: string;
    workspace: string;
    venv: string;
    server: ChildProcess;
    browser: Browser;
    page: Page;
}
let session: Session | undefined;

const FIXTURE_COPIES = ['quick_fix.py', 'fix_all.py', 'restart.py', 'settings_change.py'];
const BASE_SETTINGS = {
    'workbench.startupEditor': 'none',
    'security.workspace.trust.enabled': false,
    'extensions.ignoreRecommendations': true,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
};

before(async () => {
    if (skip || !codeServer) {
        return;
    }
    const root = mkdtempSync(path.join(os.tmpdir(), 'review-ls-smoke-'));
    const workspace = path.join(root, 'workspace');
    const userData = path.join(root, 'user-data');
    const extensions = path.join(root, 'extensions');
    const settingsFile = path.join(userData, 'User', 'settings.json');
    mkdirSync(workspace);
    mkdirSync(path.dirname(settingsFile), { recursive: true });
    for (const name of FIXTURE_COPIES) {
        copyFileSync(path.join(FIXTURES, 'client_in_loop.py'), path.join(workspace, name));
    }
    writeFileSync(settingsFile, JSON.stringify(BASE_SETTINGS));
    // A bare virtualenv: nothing installed, so only the bundled review-ls can serve.
    const venv = path.join(root, 'bare-venv');
    const created = spawnSync(BASE_PYTHON, ['-m', 'venv', '--without-pip', venv], { encoding: 'utf8' });
    assert.equal(created.status, 0, `python -m venv failed: ${created.stderr}`);
    const common = ['--config', path.join(root, 'config.yaml'), '--user-data-dir', userData, '--extensions-dir', extensions];
    // code-server keeps some state under XDG folders: keep it inside the temporary folder too.
    // VIRTUAL_ENV as an activated venv sets it; PYTHONPATH and PATH's python3 must not matter.
    const env = {
        ...process.env,
        XDG_DATA_HOME: path.join(root, 'xdg-data'),
        XDG_CONFIG_HOME: path.join(root, 'xdg-config'),
        VIRTUAL_ENV: venv,
        PYTHONPATH: '',
    };
    const install = spawnSync(codeServer, [...common, '--install-extension', VSIX], { encoding: 'utf8', env });
    assert.equal(install.status, 0, `installing the .vsix failed:\n${install.stdout}\n${install.stderr}`);

    const port = await freePort();
    const server = spawn(
        codeServer,
        [...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', workspace],
        { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env },
    );
    await waitForOutput(server, 'HTTP server listening', STARTUP_TIMEOUT_MS);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: STARTUP_TIMEOUT_MS });
    await page.keyboard.press('Control+Shift+M'); // the Problems panel stays open
    session = { root, workspace, venv, server, browser, page };
});

after(async () => {
    if (!session) {
        return;
    }
    await session.browser.close();
    if (session.server.pid !== undefined) {
        process.kill(-session.server.pid, 'SIGTERM'); // code-server and its extension host
    }
    if (process.env.REVIEW_LS_SMOKE_KEEP) {
        console.log(`kept the smoke test's workspace, settings and logs in ${session.root}`);
    } else {
        rmSync(session.root, { recursive: true, force: true });
    }
});

/** Opens a workspace file from the Explorer and returns its RV201 row in the Problems panel. */
async function openWithFinding(page: Page, name: string): Promise<Locator> {
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).click();
    await page.locator('.tab.active', { hasText: name }).waitFor();
    const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'RV201' }).first();
    await problem.waitFor({ timeout: STARTUP_TIMEOUT_MS });
    return problem;
}

/** Waits until no RV201 row is left in the Problems panel. */
async function findingsGone(page: Page): Promise<void> {
    await page.locator('.markers-panel .monaco-list-row', { hasText: 'RV201' }).first().waitFor({ state: 'detached', timeout: 30_000 });
}

/** Waits until the workspace file `name` has the content of the fixture `expectedFixture`. */
async function fileBecomes(name: string, expectedFixture: string): Promise<void> {
    assert.ok(session);
    const expected = readFileSync(path.join(FIXTURES, expectedFixture), 'utf8');
    const file = path.join(session.workspace, name);
    await eventually(() => readFileSync(file, 'utf8'), expected, 30_000);
}

/** The extension's log (its LogOutputChannel), from VS Code's log folder in the user data. */
function extensionLog(root: string): string {
    const logs = path.join(root, 'user-data', 'logs');
    const files = readdirSync(logs, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith(path.join('review-ls.review-ls', 'review-ls.log')));
    return files.map((file) => readFileSync(path.join(logs, file), 'utf8')).join('\n');
}

/** How many times the extension started the server, according to its log. */
function serverStarts(log: string): number {
    return log.match(/ starting: /g)?.length ?? 0;
}

/** The user settings file, normalised (or its raw text when it is not valid JSON). */
function savedUserSettings(): string {
    const text = readFileSync(path.join(session?.root ?? '', 'user-data', 'User', 'settings.json'), 'utf8');
    try {
        return JSON.stringify(JSON.parse(text));
    } catch {
        return text;
    }
}

/** Replaces the user settings through the settings.json editor, as a user does, and saves them. */
async function editUserSettings(page: Page, settings: Record<string, unknown>): Promise<void> {
    await runCommand(page, 'Preferences: Open User Settings (JSON)');
    await page.locator('.tab.active', { hasText: 'settings.json' }).waitFor();
    await page.locator('.editor-group-container.active .monaco-editor .view-lines').click(); // focus the editor
    await page.keyboard.press('Control+A');
    // One line: the editor would re-indent inserted line breaks. Typing can auto-close brackets
    // and quotes after the cursor; delete whatever follows the inserted text.
    await page.keyboard.insertText(JSON.stringify(settings));
    await page.keyboard.press('Control+Shift+End');
    await page.keyboard.press('Delete');
    await page.keyboard.press('Control+S');
    await eventually(savedUserSettings, JSON.stringify(settings), 30_000);
}

/** Runs a command from the command palette by its title. */
async function runCommand(page: Page, title: string): Promise<void> {
    await page.keyboard.press('F1');
    await page.keyboard.type(title);
    const entry = page.locator('.quick-input-list .monaco-list-row.focused', { hasText: title });
    await entry.waitFor();
    await page.keyboard.press('Enter');
}

const smokeTest = { skip: skip ?? false, timeout: 180_000 };

test('the Problems panel lists the review-ls finding and its quick fix rewrites the file', smokeTest, async () => {
    assert.ok(session);
    const { page } = session;
    const problem = await openWithFinding(page, 'quick_fix.py');
    const problemText = (await problem.textContent()) ?? '';
    assert.match(problemText, /httpx\.Client is constructed on every iteration of the loop/);
    assert.match(problemText, /review-ls\W*RV201/); // "review-ls(RV201)": source and code
    const log = extensionLog(session.root);
    assert.match(log, new RegExp(`interpreter: ${escapeRegExp(path.join(session.venv, 'bin', 'python'))} \\(from VIRTUAL_ENV\\)`));
    assert.match(log, /review-ls [\d.]+ found \(bundled, review-ls\.importStrategy useBundled\)/);
    await page.locator('.statusbar-item', { hasText: 'review-ls' }).first().waitFor();

    // Jump to the finding, open the quick fix menu (the first request can race the editor's focus).
    await problem.dblclick();
    const quickFix = page.locator('.action-widget .monaco-list-row', { hasText: QUICK_FIX_TITLE });
    for (let attempt = 0; attempt < 5 && !(await quickFix.isVisible()); attempt += 1) {
        await page.keyboard.press('Control+.');
        await quickFix.waitFor({ timeout: 3_000 }).catch(() => page.keyboard.press('Escape'));
    }
    // The menu is keyboard-driven (an overlay takes the pointer): focus our entry, apply, save.
    const focusedQuickFix = page.locator('.action-widget .monaco-list-row.focused', { hasText: QUICK_FIX_TITLE });
    for (let step = 0; step < 5 && !(await focusedQuickFix.isVisible()); step += 1) {
        await page.keyboard.press('ArrowDown');
    }
    await focusedQuickFix.waitFor({ timeout: 3_000 });
    await page.keyboard.press('Enter');
    await page.keyboard.press('Control+S');

    await fileBecomes('quick_fix.py', 'client_in_loop.fixed.py');
    await findingsGone(page);
});

test('"review-ls: Fix All in This File" applies the fixes through the server', smokeTest, async () => {
    assert.ok(session);
    const { page } = session;
    await openWithFinding(page, 'fix_all.py');
    await page.locator('.monaco-editor .view-lines').first().click(); // focus the editor
    await runCommand(page, 'review-ls: Fix All in This File');
    await page.keyboard.press('Control+S');

    await fileBecomes('fix_all.py', 'client_in_loop.fixed.py');
    await findingsGone(page);
});

test('"review-ls: Restart Server" starts a new server that reports findings', smokeTest, async () => {
    assert.ok(session);
    const { page, root } = session;
    const startsBefore = serverStarts(extensionLog(root));
    await runCommand(page, 'review-ls: Restart Server');
    await eventually(() => String(serverStarts(extensionLog(root))), String(startsBefore + 1), 30_000);
    await openWithFinding(page, 'restart.py');
    await page.locator('.statusbar-item', { hasText: 'review-ls' }).first().waitFor();
});

test('a settings change reaches the running server without a restart (review-ls.ignore hides the finding)', smokeTest, async () => {
    assert.ok(session);
    const { page, root } = session;
    await openWithFinding(page, 'settings_change.py');
    const startsBefore = serverStarts(extensionLog(root));

    await editUserSettings(page, { ...BASE_SETTINGS, 'review-ls.ignore': ['RV201'] });
    await findingsGone(page);

    const log = extensionLog(root);
    assert.match(log, /sending settings: .*"ignore":\["RV201"\]/);
    assert.equal(serverStarts(log), startsBefore, `the server was restarted:\n${log}`);
});

test('fromEnvironment with the bare venv says how to install review-ls, and "Use Bundled review-ls" brings the server back', smokeTest, async () => {
    assert.ok(session);
    const { page, root } = session;
    await editUserSettings(page, { ...BASE_SETTINGS, 'review-ls.importStrategy': 'fromEnvironment' });

    const message = page.locator('.notifications-toasts .notification-toast', { hasText: 'is not installed in' });
    await message.waitFor({ timeout: 30_000 });
    const text = (await message.locator('.notification-list-item-message').textContent()) ?? '';
    assert.match(text, /^review-ls is not installed in .*bare-venv\/bin\/python \(from VIRTUAL_ENV\)\. Install it from a checkout or a wheel built by scripts\/build\.sh/);
    assert.doesNotMatch(text, /pip install (--upgrade )?review-ls\b/);
    const startsBefore = serverStarts(extensionLog(root));
    await message.locator('.monaco-button', { hasText: 'Use Bundled review-ls' }).click();
    await eventually(() => String(serverStarts(extensionLog(root))), String(startsBefore + 1), 30_000);
    assert.match(savedUserSettings(), /"review-ls\.importStrategy":"useBundled"/);
});

/** `text` with the characters that mean something in a regular expression escaped. */
function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

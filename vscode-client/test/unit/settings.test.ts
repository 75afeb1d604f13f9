import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import type * as vscode from 'vscode';
import { answerConfiguration, changeEffect, DEFAULT_SETTINGS, readSettings, toServerSettings } from '../../src/common/settings';
import { testing, Uri } from '../stubs/vscode';

function folder(fsPath: string): vscode.WorkspaceFolder {
    return { uri: Uri.file(fsPath), name: fsPath, index: 0 } as unknown as vscode.WorkspaceFolder;
}

/** A configuration change event that affects exactly `keys` (and their parent sections). */
function changeOf(...keys: string[]): vscode.ConfigurationChangeEvent {
    return {
        affectsConfiguration: (section: string) => keys.some((key) => key === section || key.startsWith(`${section}.`)),
    };
}

describe('readSettings', () => {
    beforeEach(() => testing.reset());

    test('unset settings resolve to the defaults the manifest declares', () => {
        const { settings, problems } = readSettings();
        assert.deepEqual(settings, DEFAULT_SETTINGS);
        assert.deepEqual(problems, []);
    });

    test('configured values are read', () => {
        testing.configure({
            'review-ls.enable': false,
            'review-ls.interpreter': '  ~/venv/bin/python ',
            'review-ls.importStrategy': 'fromEnvironment',
            'review-ls.select': ['RV2', 'RV301'],
            'review-ls.ignore': ['RV406'],
            'review-ls.severity': { RV2: 'error', RV406: 'hint' },
            'review-ls.configurationPreference': 'filesystemFirst',
            'review-ls.reportSyntaxErrors': false,
            'review-ls.scanWorkspaceOnStartup': true,
            'review-ls.maxFileSizeBytes': 1000,
            'review-ls.logLevel': 'debug',
        });
        const { settings, problems } = readSettings();
        assert.deepEqual(problems, []);
        assert.deepEqual(settings, {
            enable: false,
            interpreter: '~/venv/bin/python',
            importStrategy: 'fromEnvironment',
            select: ['RV2', 'RV301'],
            ignore: ['RV406'],
            severity: { RV2: 'error', RV406: 'hint' },
            configurationPreference: 'filesystemFirst',
            reportSyntaxErrors: false,
            scanWorkspaceOnStartup: true,
            maxFileSizeBytes: 1000,
            logLevel: 'debug',
        });
    });

    test('a folder value overrides the window value for that folder only', () => {
        testing.configure({ 'review-ls.ignore': ['RV1'] });
        testing.configure({ 'review-ls.ignore': ['RV2'] }, '/work/app');
        assert.deepEqual(readSettings(folder('/work/app')).settings.ignore, ['RV2']);
        assert.deepEqual(readSettings(folder('/work/other')).settings.ignore, ['RV1']);
        assert.deepEqual(readSettings().settings.ignore, ['RV1']);
    });

    test('invalid values fall back to their defaults, each with a message naming the setting', () => {
        testing.configure({
            'review-ls.select': 'RV201',
            'review-ls.ignore': ['RV201', 'E501'],
            'review-ls.severity': { RV201: 'loud' },
            'review-ls.configurationPreference': 'projectFirst',
            'review-ls.logLevel': 'trace',
            'review-ls.enable': 'yes',
            'review-ls.maxFileSizeBytes': 0,
            'review-ls.reportSyntaxErrors': 'no',
        });
        const { settings, problems } = readSettings();
        assert.deepEqual(settings, DEFAULT_SETTINGS);
        assert.equal(problems.length, 8);
        assert.match(problems.join('\n'), /review-ls\.maxFileSizeBytes: 0 is not valid; using 5000000/);
        assert.match(problems.join('\n'), /review-ls\.ignore: \["RV201","E501"\] is not valid; using \[\]/);
        assert.match(problems.join('\n'), /review-ls\.configurationPreference: "projectFirst" is not valid; using "editorFirst"/);
    });
});

describe('toServerSettings', () => {
    test('empty select, ignore and severity mean "not set here", so the project configuration applies', () => {
        const server = toServerSettings({ ...DEFAULT_SETTINGS });
        assert.equal(server.select, null);
        assert.equal(server.ignore, null);
        assert.equal(server.severity, null);
        assert.equal(server.reportSyntaxErrors, null, "the default leaves the project's report-syntax-errors in force");
        assert.equal(toServerSettings({ ...DEFAULT_SETTINGS, reportSyntaxErrors: false }).reportSyntaxErrors, false);
    });

    test('carries every server option and leaves out what only the extension uses', () => {
        const server = toServerSettings({
            ...DEFAULT_SETTINGS,
            select: ['RV2'],
            ignore: ['RV203'],
            severity: { RV201: 'hint' },
            interpreter: '/usr/bin/python3',
            enable: true,
        });
        assert.deepEqual(server, {
            select: ['RV2'],
            ignore: ['RV203'],
            severity: { RV201: 'hint' },
            configurationPreference: 'editorFirst',
            reportSyntaxErrors: null,
            scanWorkspaceOnStartup: false,
            maxFileSizeBytes: 5000000,
            logLevel: 'info',
        });
    });
});

describe('answerConfiguration', () => {
    beforeEach(() => testing.reset());

    test("answers each review-ls item with the server options of the item's folder", () => {
        testing.configure({ 'review-ls.logLevel': 'warning' });
        testing.configure({ 'review-ls.ignore': ['RV406'] }, '/work/app');
        const answer = answerConfiguration(
            [
                { section: 'review-ls', scopeUri: Uri.file('/work/app').toString() },
                { section: 'review-ls', scopeUri: Uri.file('/work/lib').toString() },
                { section: 'review-ls' },
            ],
            [{ raw: 1 }, { raw: 2 }, { raw: 3 }],
        );
        const base = { ...toServerSettings({ ...DEFAULT_SETTINGS }), logLevel: 'warning' };
        assert.deepEqual(answer, [{ ...base, ignore: ['RV406'] }, base, base]);
    });

    test("other sections keep the client's default answer", () => {
        assert.deepEqual(answerConfiguration([{ section: 'python' }, { section: 'editor' }], [{ a: 1 }]), [{ a: 1 }, null]);
    });
});

describe('changeEffect', () => {
    test('a new interpreter restarts the server', () => {
        assert.equal(changeEffect(changeOf('review-ls.interpreter')), 'restart');
    });

    test('a new import strategy (bundled or the environment\'s review-ls) restarts the server', () => {
        assert.equal(changeEffect(changeOf('review-ls.importStrategy')), 'restart');
    });

    test('turning review-ls on or off starts or stops it', () => {
        assert.equal(changeEffect(changeOf('review-ls.enable')), 'enablement');
    });

    test('server settings are pushed without a restart', () => {
        for (const key of ['select', 'ignore', 'severity', 'configurationPreference', 'reportSyntaxErrors', 'scanWorkspaceOnStartup', 'maxFileSizeBytes', 'logLevel']) {
            assert.equal(changeEffect(changeOf(`review-ls.${key}`)), 'push', key);
        }
    });

    test('tracing and unrelated settings need nothing from the extension', () => {
        assert.equal(changeEffect(changeOf('review-ls.trace.server')), 'none');
        assert.equal(changeEffect(changeOf('python.analysis.typeCheckingMode')), 'none');
    });
});

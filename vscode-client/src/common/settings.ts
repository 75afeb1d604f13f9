/**
 * The `review-ls.*` settings: reading and validating them, the options the server receives, and
 * what a configuration change requires (nothing, a push to the server, a restart).
 */
import * as vscode from 'vscode';
import { EXTENSION_ID } from './constants';

export const SEVERITIES = ['error', 'warning', 'info', 'hint'] as const;
export const CONFIGURATION_PREFERENCES = ['editorFirst', 'filesystemFirst', 'editorOnly'] as const;
export const LOG_LEVELS = ['error', 'warning', 'info', 'debug'] as const;
/** Where the server's Python finds review-ls: the extension's bundled/libs, or its own environment. */
export const IMPORT_STRATEGIES = ['useBundled', 'fromEnvironment'] as const;

export type Severity = (typeof SEVERITIES)[number];
export type ConfigurationPreference = (typeof CONFIGURATION_PREFERENCES)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];
export type ImportStrategy = (typeof IMPORT_STRATEGIES)[number];

/** The extension's settings for one scope (a workspace folder, or the window). */
export interface ExtensionSettings {
    enable: boolean;
    /** The `review-ls.interpreter` setting as written (not expanded); empty when unset. */
    interpreter: string;
    importStrategy: ImportStrategy;
    select: string[];
    ignore: string[];
    severity: Record<string, Severity>;
    configurationPreference: ConfigurationPreference;
    reportSyntaxErrors: boolean;
    scanWorkspaceOnStartup: boolean;
    maxFileSizeBytes: number;
    logLevel: LogLevel;
}

/**
 * What the server receives as `initializationOptions`, in `workspace/didChangeConfiguration` and as
 * the answer to `workspace/configuration` (see review_ls/server/options.py). null means "not set
 * in the editor": the project's `[tool.review-ls]` value, or the default, applies.
 */
export interface ServerSettings {
    select: string[] | null;
    ignore: string[] | null;
    severity: Record<string, Severity> | null;
    configurationPreference: ConfigurationPreference;
    reportSyntaxErrors: boolean | null;
    scanWorkspaceOnStartup: boolean;
    maxFileSizeBytes: number;
    logLevel: LogLevel;
}

export const DEFAULT_SETTINGS: Readonly<ExtensionSettings> = Object.freeze({
    enable: true,
    interpreter: '',
    importStrategy: 'useBundled',
    select: [],
    ignore: [],
    severity: {},
    configurationPreference: 'editorFirst',
    reportSyntaxErrors: true,
    scanWorkspaceOnStartup: false,
    maxFileSizeBytes: 5_000_000,
    logLevel: 'info',
});

/** Settings read from VS Code, and a message for each value that was invalid and replaced by its default. */
export interface SettingsReading {
    settings: ExtensionSettings;
    problems: string[];
}

const RULE_SELECTOR = /^(ALL|RV[0-9]*)$/;

/** Reads and validates the `review-ls.*` settings that apply to `scope`. */
export function readSettings(scope?: vscode.ConfigurationScope): SettingsReading {
    const config = vscode.workspace.getConfiguration(EXTENSION_ID, scope);
    const problems: string[] = [];
    const pick = <T>(key: keyof ExtensionSettings, isValid: (value: unknown) => value is T, fallback: T): T => {
        const value = config.get<unknown>(key, fallback);
        if (isValid(value)) {
            return value;
        }
        problems.push(`${EXTENSION_ID}.${key}: ${JSON.stringify(value)} is not valid; using ${JSON.stringify(fallback)}`);
        return fallback;
    };
    const settings: ExtensionSettings = {
        enable: pick('enable', isBoolean, DEFAULT_SETTINGS.enable),
        interpreter: pick('interpreter', isString, DEFAULT_SETTINGS.interpreter).trim(),
        importStrategy: pick('importStrategy', isOneOf(IMPORT_STRATEGIES), DEFAULT_SETTINGS.importStrategy),
        select: pick('select', isSelectorList, DEFAULT_SETTINGS.select),
        ignore: pick('ignore', isSelectorList, DEFAULT_SETTINGS.ignore),
        severity: pick('severity', isSeverityTable, DEFAULT_SETTINGS.severity),
        configurationPreference: pick('configurationPreference', isOneOf(CONFIGURATION_PREFERENCES), DEFAULT_SETTINGS.configurationPreference),
        reportSyntaxErrors: pick('reportSyntaxErrors', isBoolean, DEFAULT_SETTINGS.reportSyntaxErrors),
        scanWorkspaceOnStartup: pick('scanWorkspaceOnStartup', isBoolean, DEFAULT_SETTINGS.scanWorkspaceOnStartup),
        maxFileSizeBytes: pick('maxFileSizeBytes', isPositiveInteger, DEFAULT_SETTINGS.maxFileSizeBytes),
        logLevel: pick('logLevel', isOneOf(LOG_LEVELS), DEFAULT_SETTINGS.logLevel),
    };
    return { settings, problems };
}

/**
 * The options the server receives. An empty `select`, `ignore` or `severity`, and `reportSyntaxErrors`
 * left at its default (true), are sent as null ("not set here") so that the project's
 * `[tool.review-ls]` values apply; any other value replaces them (`configurationPreference` decides
 * which side wins).
 */
export function toServerSettings(settings: ExtensionSettings): ServerSettings {
    return {
        select: settings.select.length > 0 ? [...settings.select] : null,
        ignore: settings.ignore.length > 0 ? [...settings.ignore] : null,
        severity: Object.keys(settings.severity).length > 0 ? { ...settings.severity } : null,
        configurationPreference: settings.configurationPreference,
        reportSyntaxErrors: settings.reportSyntaxErrors ? null : false,
        scanWorkspaceOnStartup: settings.scanWorkspaceOnStartup,
        maxFileSizeBytes: settings.maxFileSizeBytes,
        logLevel: settings.logLevel,
    };
}

/**
 * Answers the server's `workspace/configuration` request: each `review-ls` item gets the server
 * options of its scope (a folder URI); other sections keep the client's default answer.
 */
export function answerConfiguration(items: readonly { section?: string; scopeUri?: string }[], defaults: readonly unknown[]): unknown[] {
    return items.map((item, index) => {
        if (item.section !== EXTENSION_ID) {
            return defaults[index] ?? null;
        }
        const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
        return toServerSettings(readSettings(scope).settings);
    });
}

/** What a configuration change asks of the extension, most disruptive first. */
export type ChangeEffect = 'enablement' | 'restart' | 'push' | 'none';

/**
 * Classifies a configuration change: turning review-ls on or off, a new interpreter or import strategy (restart),
 * a server setting (sent with didChangeConfiguration, no restart), or nothing of ours.
 * `review-ls.trace.server` is applied by the language client itself.
 */
export function changeEffect(event: vscode.ConfigurationChangeEvent): ChangeEffect {
    if (event.affectsConfiguration(`${EXTENSION_ID}.enable`)) {
        return 'enablement';
    }
    if (event.affectsConfiguration(`${EXTENSION_ID}.interpreter`) || event.affectsConfiguration(`${EXTENSION_ID}.importStrategy`)) {
        return 'restart';
    }
    const serverKeys: (keyof ServerSettings)[] = [
        'select',
        'ignore',
        'severity',
        'configurationPreference',
        'reportSyntaxErrors',
        'scanWorkspaceOnStartup',
        'maxFileSizeBytes',
        'logLevel',
    ];
    if (serverKeys.some((key) => event.affectsConfiguration(`${EXTENSION_ID}.${key}`))) {
        return 'push';
    }
    return 'none';
}

function isBoolean(value: unknown): value is boolean {
    return typeof value === 'boolean';
}

function isPositiveInteger(value: unknown): value is number {
    return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function isString(value: unknown): value is string {
    return typeof value === 'string';
}

function isSelectorList(value: unknown): value is string[] {
    return Array.isArray(value) && value.every((item) => typeof item === 'string' && RULE_SELECTOR.test(item));
}

function isSeverityTable(value: unknown): value is Record<string, Severity> {
    return (
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        Object.entries(value).every(([selector, level]) => RULE_SELECTOR.test(selector) && isOneOf(SEVERITIES)(level))
    );
}

function isOneOf<T extends string>(allowed: readonly T[]): (value: unknown) => value is T {
    return (value: unknown): value is T => typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

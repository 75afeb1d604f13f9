/**
 * A stand-in for the `vscode` module in unit tests (esbuild aliases `vscode` to this file).
 * It implements the part of the API the extension's modules use, backed by plain data that the
 * tests control through `testing`: configuration values, installed extensions, workspace folders,
 * and the answers the user gives to messages.
 */
import * as path from 'node:path';

type Listener<T> = (event: T) => unknown;

export class Disposable {
    constructor(private readonly onDispose: () => void = () => undefined) {}
    dispose(): void {
        this.onDispose();
    }
}

export class EventEmitter<T> {
    private listeners: Listener<T>[] = [];
    readonly event = (listener: Listener<T>): Disposable => {
        this.listeners.push(listener);
        return new Disposable(() => {
            this.listeners = this.listeners.filter((item) => item !== listener);
        });
    };
    fire(value: T): void {
        for (const listener of [...this.listeners]) {
            listener(value);
        }
    }
    dispose(): void {
        this.listeners = [];
    }
}

export class Uri {
    private constructor(
        readonly scheme: string,
        readonly fsPath: string,
    ) {}
    static file(fsPath: string): Uri {
        return new Uri('file', path.resolve(fsPath));
    }
    /** Parses `scheme://path` (what `toString` produces, and file URIs). */
    static parse(value: string): Uri {
        const match = /^([a-z][\w+.-]*):\/\/(.*)$/i.exec(value);
        if (!match) {
            throw new Error(`not a URI: ${value}`);
        }
        return new Uri(match[1] ?? 'file', decodeURIComponent(match[2] ?? ''));
    }
    toString(): string {
        return `${this.scheme}://${this.fsPath}`;
    }
}

export class ThemeColor {
    constructor(readonly id: string) {}
}

export enum StatusBarAlignment {
    Left = 1,
    Right = 2,
}

export enum ProgressLocation {
    SourceControl = 1,
    Window = 10,
    Notification = 15,
}

export enum ConfigurationTarget {
    Global = 1,
    Workspace = 2,
    WorkspaceFolder = 3,
}

export interface WorkspaceFolder {
    uri: Uri;
    name: string;
    index: number;
}

/** A status bar item that records what was shown. */
export class StubStatusBarItem {
    text = '';
    tooltip: string | undefined;
    name: string | undefined;
    command: string | undefined;
    backgroundColor: ThemeColor | undefined;
    visible = false;
    disposed = false;
    constructor(
        readonly id: string,
        readonly alignment: StatusBarAlignment,
        readonly priority: number,
    ) {}
    show(): void {
        this.visible = true;
    }
    hide(): void {
        this.visible = false;
    }
    dispose(): void {
        this.disposed = true;
    }
}

interface StubExtension {
    id: string;
    isActive: boolean;
    exports: unknown;
    activate(): Promise<unknown>;
}

/** What the tests control and observe. */
export const testing = {
    /** Configuration values by full key ('review-ls.select'); `folderValues` override them per folder path. */
    values: new Map<string, unknown>(),
    folderValues: new Map<string, Map<string, unknown>>(),
    extensions: new Map<string, StubExtension>(),
    folders: [] as WorkspaceFolder[],
    /** Messages shown to the user, in order: [level, text, actions]. */
    messages: [] as [string, string, string[]][],
    /** The action the user picks for the next messages (undefined: dismissed). */
    answers: [] as (string | undefined)[],
    executedCommands: [] as [string, unknown[]][],
    /** Configuration updates made by the extension: [full key, value, target]. */
    updates: [] as [string, unknown, ConfigurationTarget][],
    /** Full keys whose value is set in the workspace settings (see `inspect`). */
    workspaceKeys: new Set<string>(),
    statusBarItems: [] as StubStatusBarItem[],
    /** Commands that fail as if they did not exist. */
    missingCommands: new Set<string>(),

    /** Sets configuration values (full keys), for the window or for one folder path. */
    configure(values: Record<string, unknown>, folderPath?: string): void {
        const target = folderPath === undefined ? testing.values : (testing.folderValues.get(folderPath) ?? new Map<string, unknown>());
        for (const [key, value] of Object.entries(values)) {
            target.set(key, value);
        }
        if (folderPath !== undefined) {
            testing.folderValues.set(folderPath, target);
        }
    },

    /** Forgets everything the tests configured or observed. */
    reset(): void {
        testing.values.clear();
        testing.folderValues.clear();
        testing.extensions.clear();
        testing.folders = [];
        testing.messages = [];
        testing.answers = [];
        testing.executedCommands = [];
        testing.updates = [];
        testing.workspaceKeys.clear();
        testing.statusBarItems = [];
        testing.missingCommands.clear();
    },
};

function scopePath(scope: unknown): string | undefined {
    if (scope instanceof Uri) {
        return scope.fsPath;
    }
    if (scope && typeof scope === 'object' && 'uri' in scope && (scope as WorkspaceFolder).uri instanceof Uri) {
        return (scope as WorkspaceFolder).uri.fsPath;
    }
    return undefined;
}

export const workspace = {
    get workspaceFolders(): WorkspaceFolder[] | undefined {
        return testing.folders.length > 0 ? testing.folders : undefined;
    },
    getConfiguration(section: string, scope?: unknown) {
        const folder = scopePath(scope);
        const lookup = (key: string): unknown => {
            const fullKey = `${section}.${key}`;
            const folderValues = folder === undefined ? undefined : testing.folderValues.get(folder);
            return folderValues?.has(fullKey) ? folderValues.get(fullKey) : testing.values.get(fullKey);
        };
        return {
            get<T>(key: string, defaultValue?: T): T | undefined {
                const value = lookup(key);
                return value === undefined ? defaultValue : (value as T);
            },
            has(key: string): boolean {
                return lookup(key) !== undefined;
            },
            inspect<T>(key: string): { key: string; globalValue?: T; workspaceValue?: T; workspaceFolderValue?: T } {
                const fullKey = `${section}.${key}`;
                const value = lookup(key) as T | undefined;
                return testing.workspaceKeys.has(fullKey) ? { key: fullKey, workspaceValue: value } : { key: fullKey, globalValue: value };
            },
            async update(key: string, value: unknown, target: ConfigurationTarget): Promise<void> {
                testing.updates.push([`${section}.${key}`, value, target]);
                testing.values.set(`${section}.${key}`, value);
            },
        };
    },
};

export const extensions = {
    getExtension(id: string): StubExtension | undefined {
        return testing.extensions.get(id);
    },
};

async function showMessage(level: string, text: string, actions: string[]): Promise<string | undefined> {
    testing.messages.push([level, text, actions]);
    return testing.answers.shift();
}

export const window = {
    showErrorMessage: (text: string, ...actions: string[]) => showMessage('error', text, actions),
    showWarningMessage: (text: string, ...actions: string[]) => showMessage('warning', text, actions),
    showInformationMessage: (text: string, ...actions: string[]) => showMessage('info', text, actions),
    createStatusBarItem(id: string, alignment: StatusBarAlignment, priority: number): StubStatusBarItem {
        const item = new StubStatusBarItem(id, alignment, priority);
        testing.statusBarItems.push(item);
        return item;
    },
    async withProgress<R>(_options: unknown, task: () => Promise<R>): Promise<R> {
        return task();
    },
};

export const commands = {
    async executeCommand(command: string, ...args: unknown[]): Promise<unknown> {
        testing.executedCommands.push([command, args]);
        if (testing.missingCommands.has(command)) {
            throw new Error(`command '${command}' not found`);
        }
        return undefined;
    },
};

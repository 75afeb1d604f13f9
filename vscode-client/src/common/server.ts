/**
 * The language server's lifecycle: choose the interpreter, check review-ls is installed there,
 * start the language client, push setting changes, restart, stop. Operations run one at a time.
 */
import * as vscode from 'vscode';
import {
    DidChangeConfigurationNotification,
    ExecuteCommandRequest,
    LanguageClient,
    ResponseError,
    RevealOutputChannelOn,
    State,
    type ErrorHandler,
    type LanguageClientOptions,
    type ServerOptions,
} from 'vscode-languageclient/node';
import { DISPLAY_NAME, EXTENSION_ID } from './constants';
import { oneLineErrorHandler } from './errorHandler';
import { describeSource, probeInstallation, reportMissingInstallation, runProcess } from './installation';
import { chooseInterpreter, type Interpreter, type PythonEnvironments } from './interpreter';
import { serverLaunch } from './launch';
import { forwardServerLog, type Logger } from './logging';
import { answerConfiguration, readSettings, toServerSettings, type ExtensionSettings } from './settings';
import type { ServerStatus } from './status';

/** The documents review-ls analyses. */
export const DOCUMENT_SELECTOR = [
    { scheme: 'file', language: 'python' },
    { scheme: 'untitled', language: 'python' },
];

/** Everything the controller needs from the extension host. */
export interface ServerDependencies {
    log: vscode.LogOutputChannel & Logger;
    status: ServerStatus;
    /** The Python extension's environments API, looked up once at activation (may be absent). */
    pythonEnvironments: () => Promise<PythonEnvironments | undefined>;
    /** The launcher of the review-ls bundled in the extension (bundled/tool/server.py). */
    bundledServer: string;
}

/** Starts, restarts, reconfigures and stops the review-ls language server. */
export class ServerController implements vscode.Disposable {
    private client: LanguageClient | undefined;
    private interpreter: Interpreter | undefined;
    private queue: Promise<void> = Promise.resolve();
    private readonly clientSubscriptions: vscode.Disposable[] = [];
    private readonly shownSettingsProblems = new Set<string>();

    constructor(private readonly deps: ServerDependencies) {}

    /** The running language client, if any. */
    get languageClient(): LanguageClient | undefined {
        return this.client?.state === State.Running ? this.client : undefined;
    }

    /** Starts the server (or stops it when review-ls.enable is off); restarts it if it runs. */
    restart(): Promise<void> {
        return this.enqueue(async () => {
            await this.stopClient();
            await this.startClient();
        });
    }

    /** Stops the server. */
    stop(): Promise<void> {
        return this.enqueue(() => this.stopClient());
    }

    /** Sends the current settings to the running server (workspace/didChangeConfiguration). */
    pushSettings(): Promise<void> {
        return this.enqueue(async () => {
            const client = this.languageClient;
            if (!client) {
                return;
            }
            const settings = this.currentSettings();
            this.deps.log.info(`sending settings: ${JSON.stringify(toServerSettings(settings))}`);
            await client.sendNotification(DidChangeConfigurationNotification.type, { settings: toServerSettings(settings) });
        });
    }

    /** Runs one of the server's `workspace/executeCommand` commands; undefined when the server is not running. */
    async executeServerCommand(command: string, args: unknown[]): Promise<unknown> {
        const client = this.languageClient;
        if (!client) {
            void vscode.window.showWarningMessage(`${DISPLAY_NAME} is not running.`);
            return undefined;
        }
        return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
    }

    dispose(): void {
        void this.stop();
    }

    private enqueue(operation: () => Promise<void>): Promise<void> {
        const run = this.queue.then(operation).catch((error: unknown) => {
            this.deps.log.error(`${DISPLAY_NAME}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
            this.deps.status.show('failed', String(error));
        });
        this.queue = run;
        return run;
    }

    private currentSettings(): ExtensionSettings {
        const { settings, problems } = readSettings(primaryFolder());
        for (const problem of problems) {
            this.deps.log.warn(problem);
            if (!this.shownSettingsProblems.has(problem)) {
                this.shownSettingsProblems.add(problem);
                void vscode.window.showWarningMessage(`${DISPLAY_NAME}: ${problem}`);
            }
        }
        return settings;
    }

    private async startClient(): Promise<void> {
        const settings = this.currentSettings();
        if (!settings.enable) {
            this.deps.log.info('review-ls.enable is off; the server is not started');
            this.deps.status.show('disabled');
            return;
        }
        const folder = primaryFolder();
        const interpreter = await chooseInterpreter(settings.interpreter, folder, await this.deps.pythonEnvironments());
        this.interpreter = interpreter;
        this.deps.status.show('starting', `${interpreter.command} (${describeSource(interpreter)})`);
        this.deps.log.info(`interpreter: ${interpreter.command} (from ${describeSource(interpreter)})`);

        const bundledServer = settings.importStrategy === 'useBundled' ? this.deps.bundledServer : undefined;
        const origin = bundledServer ? 'bundled' : "the interpreter's environment";
        const installation = await probeInstallation(interpreter, runProcess, bundledServer);
        if (installation.kind !== 'installed') {
            this.deps.status.show('not-installed', interpreter.command);
            // Not awaited inside the queue: the notification waits for the user. "Use Bundled" changes
            // review-ls.importStrategy, and that configuration change restarts the server.
            void reportMissingInstallation(interpreter, installation, this.deps.log);
            return;
        }
        this.deps.log.info(`${DISPLAY_NAME} ${installation.version} found (${origin}, review-ls.importStrategy ${settings.importStrategy})`);

        const launch = serverLaunch(interpreter, settings.logLevel, process.env, undefined, bundledServer);
        this.deps.log.info(`starting: ${launch.command} ${launch.args.join(' ')}`);
        const serverOptions: ServerOptions = { command: launch.command, args: launch.args, options: launch.options };
        let defaultErrorHandler: ErrorHandler | undefined;
        const errorHandler = oneLineErrorHandler(() => (defaultErrorHandler ??= client.createDefaultErrorHandler()));
        const client = new LanguageClient(EXTENSION_ID, DISPLAY_NAME, serverOptions, { ...this.clientOptions(settings), errorHandler });
        const detail = `${interpreter.command} (${describeSource(interpreter)})\nreview-ls ${installation.version} (${origin})`;
        this.clientSubscriptions.push(
            client.onDidChangeState(({ newState }) => {
                if (newState === State.Running) {
                    this.deps.status.show('running', detail);
                } else if (newState === State.Starting) {
                    this.deps.status.show('starting', detail);
                } else {
                    this.deps.status.show('stopped', detail);
                }
            }),
        );
        this.client = client;
        try {
            await client.start();
        } catch (error) {
            this.deps.status.show('failed', `${detail}\n${String(error)}`);
            throw error;
        }
    }

    // The server registers its own file watchers (pyproject.toml, *.py) and pulls each folder's
    // settings with workspace/configuration, answered here in the server's option format.
    private clientOptions(settings: ExtensionSettings): LanguageClientOptions {
        return {
            documentSelector: DOCUMENT_SELECTOR,
            outputChannel: this.deps.log,
            traceOutputChannel: this.deps.log,
            revealOutputChannelOn: RevealOutputChannelOn.Never,
            stdioOptions: {
                stdout: (input, channel) => forwardServerLog(input, channel),
                stderr: (input, channel) => forwardServerLog(input, channel),
            },
            initializationOptions: toServerSettings(settings),
            middleware: {
                workspace: {
                    configuration: async (params, token, next) => {
                        const defaults = await next(params, token);
                        return defaults instanceof ResponseError ? defaults : answerConfiguration(params.items, defaults);
                    },
                },
            },
            initializationFailedHandler: (error) => {
                this.deps.log.error(`the server failed to initialize: ${String(error)}`);
                this.deps.status.show('failed', String(error));
                return false;
            },
        };
    }

    private async stopClient(): Promise<void> {
        const client = this.client;
        this.client = undefined;
        for (const subscription of this.clientSubscriptions.splice(0)) {
            subscription.dispose();
        }
        if (!client) {
            return;
        }
        try {
            await client.dispose();
        } catch (error) {
            this.deps.log.warn(`stopping the server: ${String(error)}`);
        }
        this.deps.status.show('stopped', this.interpreter?.command ?? '');
    }
}

/** The folder the server runs in and whose settings apply: the first workspace folder. */
export function primaryFolder(): vscode.WorkspaceFolder | undefined {
    return vscode.workspace.workspaceFolders?.[0];
}

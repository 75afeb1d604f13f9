/**
 * The extension's entry point. It only wires the modules together: logging, the status bar, the
 * server controller, commands, and the events that reconfigure or restart the server.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerCommands } from './common/commands';
import { BUNDLED_SERVER } from './common/constants';
import { loadPythonEnvironments, type PythonEnvironments } from './common/interpreter';
import { createLogChannel } from './common/logging';
import { ServerController } from './common/server';
import { changeEffect } from './common/settings';
import { ServerStatus } from './common/status';

// VS Code calls deactivate() without a context, so the controller it stops is kept here.
let controller: ServerController | undefined;

/** Called by VS Code when a Python file opens (or a workspace with pyproject.toml). */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
    const log = createLogChannel();
    const status = new ServerStatus();
    context.subscriptions.push(log, status);

    let pythonEnvironments: Promise<PythonEnvironments | undefined> | undefined;
    const loadEnvironmentsOnce = (): Promise<PythonEnvironments | undefined> => {
        pythonEnvironments ??= loadPythonEnvironments((message) => log.warn(message)).then((environments) => {
            if (environments) {
                context.subscriptions.push(
                    environments.onDidChangeActiveInterpreter(() => {
                        log.info('the Python extension selected another interpreter; restarting');
                        void controller?.restart();
                    }),
                );
            }
            return environments;
        });
        return pythonEnvironments;
    };

    const bundledServer = path.join(context.extensionPath, ...BUNDLED_SERVER);
    controller = new ServerController({ log, status, pythonEnvironments: loadEnvironmentsOnce, bundledServer });
    context.subscriptions.push(controller, ...registerCommands(controller, log));

    context.subscriptions.push(
        vscode.workspace.onDidChangeConfiguration((event) => {
            switch (changeEffect(event)) {
                case 'enablement':
                case 'restart':
                    void controller?.restart();
                    break;
                case 'push':
                    void controller?.pushSettings();
                    break;
                case 'none':
                    break;
            }
        }),
        vscode.workspace.onDidGrantWorkspaceTrust(() => void controller?.restart()),
    );

    await controller.restart();
}

/** Called by VS Code on shutdown: stops the server. */
export async function deactivate(): Promise<void> {
    await controller?.stop();
    controller = undefined;
}

/** The commands the extension contributes: restart, fix all in the active file, scan the workspace, show the log. */
import * as vscode from 'vscode';
import { Commands, ServerCommands } from './constants';
import type { Logger } from './logging';
import type { ServerController } from './server';

/** Registers the extension's commands; returns their disposables. */
export function registerCommands(controller: ServerController, log: Logger): vscode.Disposable[] {
    return [
        vscode.commands.registerCommand(Commands.restart, () => controller.restart()),
        vscode.commands.registerCommand(Commands.showLog, () => log.show()),
        vscode.commands.registerCommand(Commands.runWorkspaceScan, () => controller.executeServerCommand(ServerCommands.scanWorkspace, [])),
        vscode.commands.registerCommand(Commands.fixAllInFile, async () => {
            const document = vscode.window.activeTextEditor?.document;
            if (!document || document.languageId !== 'python') {
                void vscode.window.showInformationMessage('Open a Python file to fix its review-ls findings.');
                return;
            }
            await controller.executeServerCommand(ServerCommands.fixAll, fixAllArguments(document));
        }),
    ];
}

/** The arguments of the server's fix-all command for `document`. */
export function fixAllArguments(document: Pick<vscode.TextDocument, 'uri' | 'version'>): unknown[] {
    return [{ uri: document.uri.toString(), version: document.version }];
}

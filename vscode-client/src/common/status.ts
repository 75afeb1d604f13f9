/** The status bar item that shows the server's state; clicking it opens the log. */
import * as vscode from 'vscode';
import { Commands, DISPLAY_NAME } from './constants';

/** The server's state as the user sees it. */
export type ServerState = 'starting' | 'running' | 'stopped' | 'disabled' | 'not-installed' | 'failed';

/** Text, tooltip and colour of the status bar item for a state. */
export interface StatusPresentation {
    text: string;
    tooltip: string;
    warning: boolean;
}

/** How `state` is shown; `detail` (interpreter, version, error) goes into the tooltip. */
export function presentStatus(state: ServerState, detail: string): StatusPresentation {
    const tooltip = (summary: string): string => (detail ? `${DISPLAY_NAME}: ${summary}\n${detail}` : `${DISPLAY_NAME}: ${summary}`);
    switch (state) {
        case 'starting':
            return { text: `$(loading~spin) ${DISPLAY_NAME}`, tooltip: tooltip('starting'), warning: false };
        case 'running':
            return { text: `$(check) ${DISPLAY_NAME}`, tooltip: tooltip('running'), warning: false };
        case 'stopped':
            return { text: `$(circle-slash) ${DISPLAY_NAME}`, tooltip: tooltip('stopped'), warning: true };
        case 'disabled':
            return { text: `$(circle-slash) ${DISPLAY_NAME}`, tooltip: tooltip('disabled by review-ls.enable'), warning: false };
        case 'not-installed':
            return { text: `$(warning) ${DISPLAY_NAME}`, tooltip: tooltip('cannot run in the selected interpreter; see the log'), warning: true };
        case 'failed':
            return { text: `$(error) ${DISPLAY_NAME}`, tooltip: tooltip('the server failed; see the log'), warning: true };
    }
}

/** The status bar item of the extension. */
export class ServerStatus implements vscode.Disposable {
    private readonly item: vscode.StatusBarItem;
    private current: ServerState = 'stopped';

    constructor() {
        this.item = vscode.window.createStatusBarItem(`${DISPLAY_NAME}.status`, vscode.StatusBarAlignment.Right, 100);
        this.item.name = DISPLAY_NAME;
        this.item.command = Commands.showLog;
    }

    /** The state last shown. */
    get state(): ServerState {
        return this.current;
    }

    /** Shows `state` with `detail` in the tooltip. */
    show(state: ServerState, detail = ''): void {
        const presentation = presentStatus(state, detail);
        this.current = state;
        this.item.text = presentation.text;
        this.item.tooltip = presentation.tooltip;
        this.item.backgroundColor = presentation.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
        this.item.show();
    }

    dispose(): void {
        this.item.dispose();
    }
}

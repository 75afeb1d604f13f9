// Packages the extension for one VS Code target, with review-ls bundled:
//   1. python3 ../scripts/bundle_libs.py --target <target> fills bundled/libs with review-ls and its
//      dependencies (the native wheels of every supported CPython for that platform);
//   2. vsce package --target <target> writes dist/review-ls-<target>.vsix.
//
//   node package.mjs [target]   (npm run package -- <target>)
//
// target: linux-x64, linux-arm64, alpine-x64, alpine-arm64, darwin-x64, darwin-arm64, win32-x64,
// win32-arm64; default $REVIEW_LS_VSIX_TARGET, else this machine's. Every target can be built on any
// machine: the wheels are downloaded for the target platform. PYTHON names the Python that runs
// bundle_libs.py (default python3; it needs pip and `packaging`).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** This machine's VS Code target: node's platform-arch, with musl Linux called alpine. */
function hostTarget() {
    const platform = process.platform === 'linux' && existsSync('/etc/alpine-release') ? 'alpine' : process.platform;
    return `${platform}-${process.arch}`;
}

/** Runs a command with inherited output; exits with its status when it fails. */
function run(command, args) {
    const result = spawnSync(command, args, { stdio: 'inherit', shell: process.platform === 'win32' });
    if (result.status !== 0) {
        console.error(`package: ${command} ${args.join(' ')} failed${result.error ? `: ${result.error.message}` : ''}`);
        process.exit(result.status ?? 1);
    }
}

/** Removes the __pycache__ folders under `folder` (left by running the bundle in place). */
function removeBytecode(folder) {
    for (const name of readdirSync(folder)) {
        const entry = path.join(folder, name);
        if (statSync(entry).isDirectory()) {
            if (name === '__pycache__') {
                rmSync(entry, { recursive: true, force: true });
            } else {
                removeBytecode(entry);
            }
        }
    }
}

const target = process.argv[2] ?? process.env.REVIEW_LS_VSIX_TARGET ?? hostTarget();
// REVIEW_LS_WHEEL: a review-ls wheel to bundle (scripts/build.sh passes the one it built); else bundle_libs.py builds one.
const wheel = process.env.REVIEW_LS_WHEEL ? ['--wheel', path.resolve('..', process.env.REVIEW_LS_WHEEL)] : [];
run(process.env.PYTHON ?? 'python3', [path.join('..', 'scripts', 'bundle_libs.py'), '--target', target, '--out', path.join('bundled', 'libs'), ...wheel]);
removeBytecode('bundled');
// vsce's secret scan reads every packaged file: on the ~7000 files of the bundled third-party
// libraries (jedi's typeshed stubs, mostly) it takes over ten minutes, so it is turned off.
run('npx', ['vsce', 'package', '--allow-missing-repository', '--allow-package-all-secrets', '--target', target, '--out', path.join('dist', `review-ls-${target}.vsix`)]);

// Builds the extension into one CommonJS bundle (dist/extension.js), or the tests.
//
//   node esbuild.mjs               development bundle with source maps
//   node esbuild.mjs --production  minified bundle, what `vsce package` ships
//   node esbuild.mjs --watch       rebuild on change
//   node esbuild.mjs --tests       unit tests: out/test/*.test.js, `vscode` replaced by test/stubs/vscode.ts
//   node esbuild.mjs --smoke       the code-server smoke test: out/smoke/*.smoke.js
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';

const flags = new Set(process.argv.slice(2));

/** @type {import('esbuild').BuildOptions} */
const shared = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
};

/** The files of `folder` whose names end with `suffix`, as entry points. */
function entries(folder, suffix) {
    return readdirSync(folder)
        .filter((name) => name.endsWith(suffix))
        .map((name) => `${folder}/${name}`);
}

/** @returns {import('esbuild').BuildOptions} the options for the requested build */
function buildOptions() {
    if (flags.has('--tests')) {
        return {
            ...shared,
            entryPoints: entries('test/unit', '.test.ts'),
            outdir: 'out/test',
            sourcemap: 'inline',
            alias: { vscode: './test/stubs/vscode.ts' },
        };
    }
    if (flags.has('--smoke')) {
        return { ...shared, entryPoints: entries('test/smoke', '.smoke.ts'), outdir: 'out/smoke', sourcemap: 'inline', packages: 'external' };
    }
    const production = flags.has('--production');
    return {
        ...shared,
        entryPoints: ['src/extension.ts'],
        outfile: 'dist/extension.js',
        external: ['vscode'],
        minify: production,
        sourcemap: !production,
        sourcesContent: false,
    };
}

if (flags.has('--watch')) {
    const context = await esbuild.context(buildOptions());
    await context.watch();
} else {
    await esbuild.build(buildOptions());
}

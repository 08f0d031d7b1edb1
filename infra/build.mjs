// Bundles the deployables with esbuild:
//   dist/switchyard.mjs  the Node process (data plane + embedded control plane), runs with plain `node`
//   dist/worker.js       the control plane for workerd / Cloudflare Workers
import { build } from 'esbuild';

const common = { bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'none' };

await build({
  ...common,
  entryPoints: ['process/main.ts'],
  outfile: 'dist/switchyard.mjs',
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // process/main.ts: the bundle defaults PROXY_WORKERS to the CPU count (`npm start` to 1).
  define: { __SWITCHYARD_BUNDLE__: 'true' },
  // Some dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __sy_createRequire } from 'node:module'; const require = __sy_createRequire(import.meta.url);",
  },
});

await build({
  ...common,
  entryPoints: ['control/worker.ts'],
  outfile: 'dist/worker.js',
  platform: 'neutral',
  target: 'es2022',
  format: 'esm',
  conditions: ['workerd', 'worker', 'import'],
  mainFields: ['module', 'main'],
});

console.log('built dist/switchyard.mjs and dist/worker.js');

// `npm run build:agent`: the agent as one file for servers, dist/inplace-agent.mjs (Node 20, its
// few dependencies — node-tar and what it needs — bundled in, Node's own modules left external).
import { build } from 'esbuild';

const result = await build({
  entryPoints: ['scripts/agent/main.mjs'],
  outfile: 'dist/inplace-agent.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  legalComments: 'inline',
  metafile: true,
  logLevel: 'warning',
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`dist/inplace-agent.mjs: ${(bytes / 1024).toFixed(1)} KiB`);

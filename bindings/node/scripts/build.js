'use strict';
// `npm install` runs this: it builds the addon with npm's own node-gyp against
// the libsigil found by scripts/engine.js. When Node's headers are installed
// next to the node binary (<prefix>/include/node, as Debian and the official
// tarballs have them), they are used, so the build needs no download.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { locate } = require('./engine.js');

// A packed tarball (tests/packaging/node_pack.sh) carries the addon built for
// its platform in prebuilds/<platform>-<arch>/, with libsigil linked in:
// installing it compiles nothing. SIGIL_NODE_BUILD_FROM_SOURCE=1 compiles anyway.
const prebuilt = path.join(__dirname, '..', 'prebuilds', `${process.platform}-${process.arch}`, 'sigil_node.node');
if (fs.existsSync(prebuilt) && !process.env.SIGIL_NODE_BUILD_FROM_SOURCE) {
  console.log(`sigil-sdk: using the prebuilt addon ${path.relative(path.join(__dirname, '..'), prebuilt)}`);
  process.exit(0);
}

try {
  locate(); // fail early, with a hint, when there is no engine to link
} catch (err) {
  console.error(`sigil-sdk: ${err.message}`);
  process.exit(1);
}

function nodeGyp() {
  const configured = process.env.npm_config_node_gyp;
  if (configured && fs.existsSync(configured)) return configured;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  for (const candidate of [
    path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(prefix, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  return 'node-gyp';
}

const args = ['rebuild'];
if (!process.env.npm_config_nodedir) {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
}
const gyp = nodeGyp();
const cmd = gyp.endsWith('.js') ? process.execPath : gyp;
const argv = gyp.endsWith('.js') ? [gyp, ...args] : args;
const run = spawnSync(cmd, argv, { stdio: 'inherit', cwd: path.resolve(__dirname, '..') });
if (run.error) {
  console.error(`sigil-sdk: cannot run node-gyp (${run.error.message})`);
  process.exit(1);
}
process.exit(run.status ?? 1);

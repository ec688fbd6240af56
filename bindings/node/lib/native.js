'use strict';
// Loads the addon (build/Release/sigil_node.node, built by `npm install`, or
// the one a packed tarball ships in prebuilds/<platform>-<arch>/) and checks
// that the libsigil linked into it implements the ABI it was compiled for.
// SIGIL_NODE_ADDON overrides the addon's path.
const path = require('node:path');

function load() {
  const override = process.env.SIGIL_NODE_ADDON;
  const candidates = override
    ? [path.resolve(override)]
    : [path.join(__dirname, '..', 'build', 'Release', 'sigil_node.node'),
       path.join(__dirname, '..', 'build', 'Debug', 'sigil_node.node'),
       path.join(__dirname, '..', 'prebuilds', `${process.platform}-${process.arch}`, 'sigil_node.node')];
  let first;
  for (const file of candidates) {
    try {
      return require(file);
    } catch (err) {
      if (err.code === 'ERR_DLOPEN_FAILED') {
        // e.g. "undefined symbol": the libsigil found at run time is older than the one built against
        throw new Error(`sigil-sdk: cannot load ${file} (${err.message}); rebuild it against the current ` +
          'libsigil: make build, then npm install in bindings/node', { cause: err });
      }
      if (err.code !== 'MODULE_NOT_FOUND') throw err;
      first ??= err;
    }
  }
  const hint = new Error('sigil-sdk: the native addon is not built; run `npm install` (or `npm run build`) in ' +
    `${path.join(__dirname, '..')} after building libsigil (make build)`);
  hint.cause = first;
  throw hint;
}

const native = load();

if (native.libraryAbiVersion !== native.headerAbiVersion) {
  throw new Error(`sigil-sdk: libsigil ABI mismatch: the loaded library ${native.libraryVersion} implements ABI ` +
    `${native.libraryAbiVersion}, the addon was built for ABI ${native.headerAbiVersion}; rebuild it with npm install`);
}

// A client still open when the process exits is shut down (what it queued is
// delivered, within 5 s): at the end of the event loop by the addon's cleanup
// hook, and here for process.exit(), which skips that hook.
process.once('exit', () => native.shutdownAll());

module.exports = native;

'use strict';
// Where libsigil's headers and library are, for binding.gyp:
//   node scripts/engine.js include   -> include directories
//   node scripts/engine.js libs      -> linker arguments: libsigil.a and what it links
//
// The addon links libsigil statically, so it carries the engine itself and
// loads from wherever the package is installed: no run-time search path into
// a build tree or a prefix. What stays dynamic is what libsigil links from the
// system (libcurl, cJSON, simdjson, RE2, nanopb, libstdc++: the Libs.private
// line of sigil.pc), which the system's packages provide.
//
// In order:
//   1. SIGIL_INCLUDE_DIR + SIGIL_LIB_DIR   an installed or unpacked libsigil
//   2. SIGIL_BUILD_DIR                     a CMake build tree of this repository
//   3. <repo>/build                        what `make build` produces
//   4. pkg-config sigil                    an installed libsigil (make install)
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const repo = path.resolve(__dirname, '..', '..', '..');

function fromBuildTree(dir) {
  const build = path.resolve(dir);
  if (!fs.existsSync(path.join(build, 'libsigil.so')) ||
      !fs.existsSync(path.join(build, 'gen', 'include', 'sigil', 'version.h'))) {
    return null;
  }
  return { include: [path.join(repo, 'include'), path.join(build, 'gen', 'include')], lib: build };
}

// libsigil's own link dependencies: sigil.pc's Libs.private, from the build
// tree (DIR/sigil.pc) or an installed prefix (DIR/pkgconfig/sigil.pc).
const FALLBACK_PRIVATE = '-lcurl -lprotobuf-nanopb -lcjson -lsimdjson -lre2 -lstdc++ -lpthread';

function privateLibs(libdir) {
  for (const pc of [path.join(libdir, 'sigil.pc'), path.join(libdir, 'pkgconfig', 'sigil.pc')]) {
    let text;
    try {
      text = fs.readFileSync(pc, 'utf8');
    } catch {
      continue;
    }
    const line = text.split('\n').find((l) => l.startsWith('Libs.private:'));
    if (line) return line.slice('Libs.private:'.length).trim().split(/\s+/).filter(Boolean);
  }
  return FALLBACK_PRIVATE.split(' ');
}

function linkArgs(where) {
  const archive = path.join(where.lib, 'libsigil.a');
  if (!fs.existsSync(archive)) {
    throw new Error(`${where.lib} has no libsigil.a (the addon links libsigil statically); build the ` +
      'sigil_static target or install libsigil with make install');
  }
  // --exclude-libs keeps the engine's symbols out of the addon's dynamic symbol
  // table, so a libsigil.so loaded by something else in the process stays apart.
  const hide = process.platform === 'linux' ? ['-Wl,--exclude-libs,libsigil.a'] : [];
  return [archive, ...privateLibs(where.lib), ...hide];
}

function fromPkgConfig() {
  try {
    const opts = { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] };
    const cflags = execFileSync('pkg-config', ['--cflags-only-I', 'sigil'], opts).trim();
    const libdir = execFileSync('pkg-config', ['--variable=libdir', 'sigil'], opts).trim();
    const include = cflags.split(/\s+/).filter(Boolean).map((f) => f.replace(/^-I/, ''));
    const incdir = execFileSync('pkg-config', ['--variable=includedir', 'sigil'], opts).trim();
    if (include.length === 0 && incdir) include.push(incdir);
    return { include, lib: libdir };
  } catch {
    return null;
  }
}

function locate() {
  const env = process.env;
  if (env.SIGIL_INCLUDE_DIR && env.SIGIL_LIB_DIR) {
    return { include: env.SIGIL_INCLUDE_DIR.split(path.delimiter), lib: env.SIGIL_LIB_DIR };
  }
  if (env.SIGIL_BUILD_DIR) {
    const found = fromBuildTree(env.SIGIL_BUILD_DIR);
    if (found) return found;
    throw new Error(`SIGIL_BUILD_DIR=${env.SIGIL_BUILD_DIR} has no libsigil.so; build it first: ` +
      `cmake -S ${repo} -B ${env.SIGIL_BUILD_DIR} -G Ninja && ninja -C ${env.SIGIL_BUILD_DIR} sigil`);
  }
  const found = fromBuildTree(path.join(repo, 'build')) || fromPkgConfig();
  if (found) return found;
  throw new Error('libsigil not found: run `make build` in the repository (or set SIGIL_BUILD_DIR, ' +
    'or SIGIL_INCLUDE_DIR and SIGIL_LIB_DIR, or install libsigil where pkg-config finds it)');
}

if (require.main === module) {
  try {
    const where = locate();
    if (process.argv[2] === 'include') {
      console.log(where.include.join(' '));
    } else if (process.argv[2] === 'libs') {
      console.log(linkArgs(where).join(' '));
    } else {
      console.log(JSON.stringify(where));
    }
  } catch (err) {
    console.error(`sigil-sdk: ${err.message}`);
    process.exit(1);
  }
}

module.exports = { locate, linkArgs };

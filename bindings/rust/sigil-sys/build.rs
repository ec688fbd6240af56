//! Finds or builds libsigil and tells Cargo how to link it.
//!
//! 1. `SIGIL_BUILD_DIR`: a CMake build tree of this repository (what `make`
//!    and the other bindings use). Brings its `sigil_static` target up to date
//!    (`cmake --build DIR --target sigil_static`) and links `libsigil.a`.
//! 2. `pkg-config sigil`: an installed libsigil (skipped when
//!    `SIGIL_NO_PKG_CONFIG` is set). Links its `libsigil.a`, found in the
//!    directories pkg-config names.
//! 3. Otherwise: builds the engine from this repository's sources (or
//!    `SIGIL_SOURCE_DIR`) with CMake into `OUT_DIR` and links it statically.
//!
//! Linking is static whichever way libsigil was found: it keeps binaries
//! runnable without LD_LIBRARY_PATH or an rpath, which a `-sys` crate cannot
//! give its dependents. Linking the shared library is a choice made out loud:
//! `SIGIL_LINK=dynamic` or the `dynamic` feature (1. or 2. only). A prefix
//! without `libsigil.a` is an error that says so, never a quiet switch to
//! `libsigil.so`. The engine's own dependencies (libcurl, nanopb, cJSON,
//! simdjson, RE2, libstdc++) come from the `Libs.private` line of `sigil.pc`.
//!
//! Metadata for dependents (`DEP_SIGIL_*`): `include` (header directories,
//! separated by the platform's path separator) and `root` (how it was found).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    for var in [
        "SIGIL_BUILD_DIR",
        "SIGIL_NO_PKG_CONFIG",
        "SIGIL_SOURCE_DIR",
        "SIGIL_CMAKE_GENERATOR",
        "SIGIL_LINK",
        "PKG_CONFIG_PATH",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    println!("cargo:rerun-if-changed=build.rs");

    let link = link_kind();
    let found = if let Some(dir) = env::var_os("SIGIL_BUILD_DIR").filter(|v| !v.is_empty()) {
        let dir = PathBuf::from(dir);
        if !dir.is_absolute() {
            // Build scripts run in the package directory, not where cargo was invoked.
            panic!("SIGIL_BUILD_DIR must be an absolute path (got {})", dir.display());
        }
        link_build_tree(&dir, None, link)
    } else if let Some(found) = probe_pkg_config(link) {
        found
    } else if link == Link::Dynamic {
        panic!(
            "SIGIL_LINK=dynamic (or the `dynamic` feature) links an existing libsigil.so: set SIGIL_BUILD_DIR \
             to a CMake build tree or make `pkg-config sigil` find an installed libsigil"
        );
    } else {
        build_from_source()
    };
    println!("cargo:rustc-env=SIGIL_SYS_LINK={}", if link == Link::Static { "static" } else { "dynamic" });

    let includes = env::join_paths(&found.includes).expect("include paths");
    println!("cargo:include={}", includes.to_string_lossy());
    println!("cargo:root={}", found.root.display());
    // For this crate's own tests (tests/header.rs compiles the header with C).
    println!("cargo:rustc-env=SIGIL_SYS_INCLUDES={}", includes.to_string_lossy());
    println!("cargo:rustc-env=SIGIL_SYS_LINKED_FROM={}", found.root.display());
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Link {
    Static,
    Dynamic,
}

/// Static unless asked otherwise: `SIGIL_LINK=static|dynamic`, or the `dynamic` feature.
fn link_kind() -> Link {
    match env::var("SIGIL_LINK").as_deref() {
        Ok("static") => Link::Static,
        Ok("dynamic") => Link::Dynamic,
        Ok("") | Err(_) if env::var_os("CARGO_FEATURE_DYNAMIC").is_some() => Link::Dynamic,
        Ok("") | Err(_) => Link::Static,
        Ok(other) => panic!("SIGIL_LINK={other}: expected `static` or `dynamic`"),
    }
}

struct Found {
    includes: Vec<PathBuf>,
    root: PathBuf,
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        env::current_dir().expect("cwd").join(p)
    }
}

fn probe_pkg_config(link: Link) -> Option<Found> {
    if env::var_os("SIGIL_NO_PKG_CONFIG").is_some() {
        return None;
    }
    let mut config = pkg_config::Config::new();
    config.atleast_version("0.1.0");
    if link == Link::Static {
        // The pkg-config crate would pick the shared library for a prefix under
        // /usr (its "system" directories) even when asked for static; the
        // links are written here instead, from `pkg-config --static`'s answer.
        config.statik(true).cargo_metadata(false);
    }
    match config.probe("sigil") {
        Ok(lib) => {
            let root = lib.link_paths.first().cloned().unwrap_or_else(|| PathBuf::from("pkg-config"));
            if link == Link::Static {
                link_installed_archive(&lib);
            }
            Some(Found { includes: lib.include_paths, root })
        }
        Err(err) => {
            println!("cargo:warning=pkg-config did not find libsigil ({}); building it from source", first_line(&err));
            None
        }
    }
}

/// `libsigil.a` from the directories `pkg-config --static --libs sigil` names,
/// then the engine's own dependencies from the same answer.
fn link_installed_archive(lib: &pkg_config::Library) {
    let Some(dir) = lib.link_paths.iter().find(|d| d.join("libsigil.a").is_file()) else {
        panic!(
            "pkg-config found libsigil (lib dirs: {:?}) but no libsigil.a there; install the static library \
             (make install installs it) or set SIGIL_LINK=dynamic to link libsigil.so",
            lib.link_paths
        );
    };
    println!("cargo:rerun-if-changed={}", dir.join("libsigil.a").display());
    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:rustc-link-lib=static=sigil");
    for path in lib.link_paths.iter().filter(|p| *p != dir) {
        println!("cargo:rustc-link-search=native={}", path.display());
    }
    for name in lib.libs.iter().filter(|l| *l != "sigil") {
        println!("cargo:rustc-link-lib={name}");
    }
}

fn first_line(err: &dyn std::fmt::Display) -> String {
    let text = err.to_string();
    let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    line.chars().take(160).collect()
}

/// The repository this crate lives in (bindings/rust/sigil-sys -> ../../..).
fn source_dir() -> PathBuf {
    if let Some(dir) = env::var_os("SIGIL_SOURCE_DIR").filter(|v| !v.is_empty()) {
        return absolute(Path::new(&dir));
    }
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    manifest.join("../../..").canonicalize().expect("repository root")
}

fn build_from_source() -> Found {
    let src = source_dir();
    if !src.join("CMakeLists.txt").exists() {
        panic!(
            "libsigil not found: no SIGIL_BUILD_DIR, no `pkg-config sigil`, and no sources at {} \
             (set SIGIL_SOURCE_DIR to a libsigil checkout)",
            src.display()
        );
    }
    for part in ["CMakeLists.txt", "lib", "include", "cmake", "pkgconfig"] {
        println!("cargo:rerun-if-changed={}", src.join(part).display());
    }
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR")).join("libsigil-build");
    if !out.join("CMakeCache.txt").exists() {
        let mut configure = Command::new(cmake());
        configure.arg("-S").arg(&src).arg("-B").arg(&out);
        match env::var("SIGIL_CMAKE_GENERATOR") {
            Ok(g) if !g.is_empty() => {
                configure.arg("-G").arg(g);
            }
            _ if Command::new("ninja").arg("--version").output().is_ok() => {
                configure.arg("-G").arg("Ninja");
            }
            _ => {}
        }
        configure.args(["-DCMAKE_BUILD_TYPE=Release", "-DSIGIL_BUILD_TESTS=OFF", "-DSIGIL_BUILD_EXAMPLES=OFF"]);
        run(&mut configure, "configure libsigil with CMake");
    }
    link_build_tree(&out, Some(&src), Link::Static)
}

fn cmake() -> String {
    env::var("CMAKE").unwrap_or_else(|_| "cmake".to_string())
}

fn run(cmd: &mut Command, what: &str) {
    // The build's output goes to stderr: Cargo reads this script's stdout.
    cmd.stdout(std::io::stderr());
    let status = cmd.status().unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e}"));
    if !status.success() {
        panic!("{what}: {cmd:?} failed with {status}");
    }
}

/// Links the static library of a CMake build tree (the shared one when asked).
fn link_build_tree(dir: &Path, src: Option<&Path>, link: Link) -> Found {
    let archive = dir.join("libsigil.a");
    let cache = dir.join("CMakeCache.txt");
    if !cache.exists() {
        panic!(
            "SIGIL_BUILD_DIR={} is not a CMake build tree of libsigil (configure it: cmake -S . -B {} -G Ninja)",
            dir.display(),
            dir.display()
        );
    }
    let src = match src {
        Some(s) => s.to_path_buf(),
        None => cache_value(&cache, "libsigil_SOURCE_DIR").map(PathBuf::from).unwrap_or_else(source_dir),
    };
    // Bring the static library up to date with the sources (a no-op when it
    // is): a stale archive behind a newer header would break the layouts.
    for part in ["CMakeLists.txt", "lib", "include"] {
        println!("cargo:rerun-if-changed={}", src.join(part).display());
    }
    let jobs = env::var("NUM_JOBS").unwrap_or_else(|_| "2".to_string());
    let target = if link == Link::Static { "sigil_static" } else { "sigil" };
    run(
        Command::new(cmake()).arg("--build").arg(dir).args(["--target", target, "--parallel", &jobs]),
        &format!("build libsigil (target {target})"),
    );
    println!("cargo:rustc-link-search=native={}", dir.display());
    if link == Link::Dynamic {
        println!("cargo:rerun-if-changed={}", dir.join("libsigil.so").display());
        println!("cargo:rustc-link-lib=dylib=sigil");
        return Found { includes: vec![src.join("include"), dir.join("gen/include")], root: dir.to_path_buf() };
    }
    println!("cargo:rerun-if-changed={}", archive.display());
    println!("cargo:rustc-link-lib=static=sigil");
    for (kind, value) in private_libs(&dir.join("sigil.pc")) {
        match kind {
            'L' => println!("cargo:rustc-link-search=native={value}"),
            _ => println!("cargo:rustc-link-lib={value}"),
        }
    }
    Found { includes: vec![src.join("include"), dir.join("gen/include")], root: dir.to_path_buf() }
}

fn cache_value(cache: &Path, key: &str) -> Option<String> {
    let text = fs::read_to_string(cache).ok()?;
    text.lines().find_map(|line| {
        let (name, value) = line.split_once('=')?;
        (name.split(':').next()? == key).then(|| value.to_string())
    })
}

/// The engine's link dependencies from `Libs.private` ("-lcurl -L/x ...").
fn private_libs(pc: &Path) -> Vec<(char, String)> {
    let fallback = "-lcurl -lprotobuf-nanopb -lcjson -lsimdjson -lstdc++ -lpthread";
    let text = fs::read_to_string(pc).unwrap_or_default();
    let line = text.lines().find_map(|l| l.strip_prefix("Libs.private:")).unwrap_or(fallback).to_string();
    line.split_whitespace()
        .filter_map(|flag| {
            if let Some(lib) = flag.strip_prefix("-l") {
                Some(('l', lib.to_string()))
            } else {
                flag.strip_prefix("-L").map(|dir| ('L', dir.to_string()))
            }
        })
        .collect()
}

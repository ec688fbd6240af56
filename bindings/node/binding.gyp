{
  "targets": [
    {
      "target_name": "sigil_node",
      "sources": ["src/values.c", "src/callbacks.c", "src/exporter.c", "src/client.c", "src/recorders.c", "src/host.c", "src/module.c"],
      "include_dirs": ["<!@(node scripts/engine.js include)"],
      "libraries": ["<!@(node scripts/engine.js libs)"],
      "cflags_c": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-O2", "-fvisibility=hidden"],
      "xcode_settings": {"OTHER_CFLAGS": ["-std=gnu11", "-O2"]}
    }
  ]
}

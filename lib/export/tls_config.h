// TLS trust and client identity for one destination (generation export and
// ratings share one; each OTLP signal has its own). Empty paths keep
// libcurl's defaults: the system CA store, no client certificate. Resolved
// and checked (files readable, the directory a directory) by core/config.cpp
// before any transport sees them.
#pragma once

#include <string>

namespace sigil::detail {

struct TlsConfig {
  std::string ca_file;      // PEM bundle that replaces the system store
  std::string ca_dir;       // OpenSSL hashed directory (c_rehash), searched too
  std::string client_cert;  // PEM client certificate for mTLS (may hold the key)
  std::string client_key;   // PEM private key; empty: taken from client_cert

  bool empty() const { return ca_file.empty() && ca_dir.empty() && client_cert.empty() && client_key.empty(); }
};

}  // namespace sigil::detail

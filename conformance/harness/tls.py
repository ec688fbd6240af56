"""A throwaway PKI for TLS tests, made with the openssl command: one CA, a server certificate for
127.0.0.1 and localhost, and a client certificate, all signed by that CA.

`Pki.server(require_client_cert)` gives the `TlsFiles` a Harness serves with.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TlsFiles:
    """What a TLS capture server presents and (with client_ca) demands of its clients."""

    cert: Path
    key: Path
    client_ca: Path | None = None  # set: a client certificate signed by it is required


@dataclass(frozen=True)
class Pki:
    ca_cert: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    client_combined: Path  # client certificate and key in one PEM file

    def server(self, require_client_cert: bool = False) -> TlsFiles:
        return TlsFiles(self.server_cert, self.server_key, self.ca_cert if require_client_cert else None)


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def _issue(directory: Path, name: str, subject: str, ca_cert: Path, ca_key: Path, extensions: str) -> tuple[Path, Path]:
    key, csr, cert = directory / f"{name}.key", directory / f"{name}.csr", directory / f"{name}.pem"
    ext = directory / f"{name}.ext"
    ext.write_text(extensions)
    _openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", str(key), "-subj", subject, "-out", str(csr))
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key), "-CAcreateserial",
             "-days", "2", "-sha256", "-extfile", str(ext), "-out", str(cert))
    return cert, key


def make_pki(directory: Path) -> Pki:
    """Creates the CA and both certificates under `directory` (which must exist)."""
    ca_key, ca_cert = directory / "ca.key", directory / "ca.pem"
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", str(ca_key), "-out", str(ca_cert), "-days", "2", "-subj", "/CN=libsigil test CA",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    server_cert, server_key = _issue(
        directory, "server", "/CN=127.0.0.1", ca_cert, ca_key,
        "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    client_cert, client_key = _issue(
        directory, "client", "/CN=libsigil test client", ca_cert, ca_key,
        "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n")
    combined = directory / "client-combined.pem"
    combined.write_bytes(client_cert.read_bytes() + client_key.read_bytes())
    return Pki(ca_cert, server_cert, server_key, client_cert, client_key, combined)

"""The key and certificate chain results are signed with.

`FACECAST_C2PA_CERT` (a PEM chain: the signer's certificate first, then its issuers) and
`FACECAST_C2PA_KEY` (its PEM private key, ES256: ECDSA on P-256) when both are set; else a
local test authority made once under `$FACECAST_HOME/c2pa/`: a CA and an end-entity
certificate it issued, with what the C2PA library demands of a signer (critical
digitalSignature key usage, the emailProtection extended key usage, not self-signed).
Readers call that chain untrusted, since no trust list holds it: results say truthfully
that facecast made them, but who ran facecast is only vouched for by a real certificate.
"""

from __future__ import annotations

import datetime
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from facecast.errors import FacecastError
from facecast.home import home

CERT_ENV, KEY_ENV = "FACECAST_C2PA_CERT", "FACECAST_C2PA_KEY"
LOCAL_NAME = "facecast local test authority"
CA_YEARS, SIGNER_YEARS = 20, 5


class CredentialsError(FacecastError):
    """The configured signing certificate or key cannot be used."""


@dataclass(frozen=True)
class SigningKeys:
    chain: bytes  # PEM: the signer's certificate, then its issuers
    key: bytes  # PEM private key
    local: bool  # the local test authority's (untrusted by readers)


def signing_keys() -> SigningKeys:
    """The configured keys, else the local test authority's (made on first use)."""
    cert, key = os.environ.get(CERT_ENV), os.environ.get(KEY_ENV)
    if cert or key:
        if not (cert and key):
            raise CredentialsError(f"set both {CERT_ENV} and {KEY_ENV} (a PEM certificate "
                                   "chain and its ES256 private key), or neither")
        try:
            return SigningKeys(Path(cert).read_bytes(), Path(key).read_bytes(), local=False)
        except OSError as exc:
            raise CredentialsError(f"cannot read the signing credentials: {exc}") from exc
    return local_authority()


def local_folder() -> Path:
    return home() / "c2pa"


def local_authority() -> SigningKeys:
    """The local test authority's signer, made once (atomically: a half-made folder is
    never used) and kept under `$FACECAST_HOME/c2pa/`."""
    folder = local_folder()
    if not (folder / "signer.key").is_file():
        folder.parent.mkdir(parents=True, exist_ok=True)
        made = Path(tempfile.mkdtemp(prefix=".c2pa.", dir=folder.parent))
        _make_authority(made)
        try:
            made.rename(folder)
        except OSError:  # another process made it first
            for path in made.iterdir():
                path.unlink()
            made.rmdir()
    return SigningKeys((folder / "chain.pem").read_bytes(),
                       (folder / "signer.key").read_bytes(), local=True)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "facecast")])


def _make_authority(folder: Path) -> None:
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{LOCAL_NAME} CA")
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=365 * CA_YEARS))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, key_cert_sign=True, crl_sign=True,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    signer = (x509.CertificateBuilder().subject_name(_name(LOCAL_NAME)).issuer_name(ca_name)
              .public_key(key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now)
              .not_valid_after(now + datetime.timedelta(days=365 * SIGNER_YEARS))
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                           key_encipherment=False, data_encipherment=False,
                                           key_agreement=False, key_cert_sign=False,
                                           crl_sign=False, encipher_only=False,
                                           decipher_only=False), critical=True)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                             critical=False)
              .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                             critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                  ca_key.public_key()), critical=False)
              .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "chain.pem").write_bytes(signer.public_bytes(pem) + ca.public_bytes(pem))
    key_file = folder / "signer.key"
    key_file.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_file.chmod(0o600)

"""Content Credentials (C2PA): every result facecast writes carries a signed manifest that
says it was made by facecast, and for a swap that it is composite media made with a trained
algorithm (EU AI Act, Article 50). `authority` holds the signing keys, `manifest` signs and
reads."""

from facecast.credentials.manifest import Credentials, describe, read, sign

__all__ = ["Credentials", "describe", "read", "sign"]

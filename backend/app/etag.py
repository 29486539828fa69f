"""Express's default ETag, so a browser's conditional requests work as they did."""

import base64
import hashlib


def weak_etag(body: bytes) -> str:
    """W/"<length in hex>-<first 27 characters of base64(SHA-1)>"."""
    digest = base64.b64encode(hashlib.sha1(body, usedforsecurity=False).digest()).decode()
    return f'W/"{len(body):x}-{digest[:27]}"'

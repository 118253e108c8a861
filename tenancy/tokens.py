"""Random identifiers whose prefix reveals their kind."""

import secrets
import string

BASE62 = string.ascii_letters + string.digits


def base62_token(nbytes: int) -> str:
    # Same entropy as nbytes of randomness: ceil(nbytes * 8 / log2(62)) characters.
    length = -(-nbytes * 8 * 1000 // 5954)
    return "".join(secrets.choice(BASE62) for _ in range(length))


def project_api_token() -> str:
    return "phc_" + base62_token(32)

"""Personal passes: short-lived tokens signed with ECDSA P-256 (SHA-256), so that a gate
device can check them with WebCrypto without being able to make one.

A pass is `FX1.<payload>.<signature>`, both parts base64url without padding; the
signature (IEEE P1363 r‖s, as WebCrypto wants it) covers the bytes `FX1.<payload>`. The
payload is JSON: v (format), k (key id), s (subject), n (nonce), i (issued), e (expires),
c (campus id or null), g (categories), nm (name), w ([from, to] of an approved leave or
visit, or null). Times are Unix seconds.

Private keys are stored encrypted (PKCS#8, with a password derived from SECRET_KEY), so a
copy of the database alone cannot make passes. Verifying needs only the public key, which
is kept as a JWK beside it. A key whose password is lost (SECRET_KEY changed without
keeping the old one in SECRET_KEY_FALLBACKS) is retired and a new one made.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import threading
from datetime import timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import SigningKey

PREFIX = "FX1."
PASS_SECONDS = 90  # a screenshot stops working after this
REFRESH_SECONDS = 30  # the pass page fetches a new pass this often
CLOCK_LEEWAY = 30  # seconds a device clock may be ahead
RETIRED_KEYS_VERIFY_FOR = timedelta(days=1)

log = logging.getLogger(__name__)
_lock = threading.Lock()
_private: dict[str, ec.EllipticCurvePrivateKey] = {}
_public: dict[str, ec.EllipticCurvePublicKey] = {}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _jwk(public: ec.EllipticCurvePublicKey, kid: str) -> dict:
    numbers = public.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64(numbers.x.to_bytes(32, "big")),
        "y": _b64(numbers.y.to_bytes(32, "big")),
        "kid": kid,
        "alg": "ES256",
        "use": "sig",
    }


def key_password(secret: str) -> bytes:
    """The password of the stored private keys, derived from a SECRET_KEY."""
    return hmac.new(secret.encode(), b"fangxian.gates.signing-key", hashlib.sha256).hexdigest().encode()


def encrypt_private_key(private: ec.EllipticCurvePrivateKey) -> str:
    encryption = serialization.BestAvailableEncryption(key_password(settings.SECRET_KEY))
    return private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption).decode()


class KeyUnavailable(Exception):
    """The stored private key cannot be decrypted with the current or a fallback SECRET_KEY."""


def load_private_key(pem: str) -> ec.EllipticCurvePrivateKey:
    if "ENCRYPTED" not in pem:  # stored before keys were encrypted (the migration encrypts them)
        return serialization.load_pem_private_key(pem.encode(), password=None)
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        try:
            return serialization.load_pem_private_key(pem.encode(), password=key_password(secret))
        except ValueError:
            continue
    raise KeyUnavailable


@transaction.atomic
def rotate_key() -> SigningKey:
    """Make a new signing key; the previous ones are retired but still verify a while."""
    private = ec.generate_private_key(ec.SECP256R1())
    kid = secrets.token_hex(4)
    SigningKey.objects.filter(retired_at__isnull=True).update(retired_at=timezone.now())
    return SigningKey.objects.create(kid=kid, private_pem=encrypt_private_key(private), public_jwk=_jwk(private.public_key(), kid))


def active_key() -> SigningKey:
    key = SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at").first()
    return key or rotate_key()


def public_keys() -> list[dict]:
    """The keys a device needs: the active one and those retired recently."""
    since = timezone.now() - RETIRED_KEYS_VERIFY_FOR
    keys = SigningKey.objects.filter(retired_at__isnull=True) | SigningKey.objects.filter(retired_at__gte=since)
    if not keys.exists():
        active_key()
        keys = SigningKey.objects.filter(retired_at__isnull=True)
    return [key.public_jwk for key in keys.order_by("-created_at")]


def _private_key(key: SigningKey) -> ec.EllipticCurvePrivateKey:
    with _lock:
        if key.kid not in _private:
            _private[key.kid] = load_private_key(key.private_pem)
        return _private[key.kid]


def _public_from_jwk(jwk: dict) -> ec.EllipticCurvePublicKey:
    x, y = (int.from_bytes(_unb64(jwk[c]), "big") for c in ("x", "y"))
    return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()


def _public_key(kid: str) -> ec.EllipticCurvePublicKey | None:
    with _lock:
        cached = _public.get(kid)
    if cached is not None:
        return cached
    since = timezone.now() - RETIRED_KEYS_VERIFY_FOR
    key = SigningKey.objects.filter(kid=kid).first()
    if key is None or (key.retired_at is not None and key.retired_at < since):
        return None
    public = _public_from_jwk(key.public_jwk)
    if key.retired_at is None:
        with _lock:
            _public[kid] = public
    return public


def forget_keys() -> None:
    with _lock:
        _private.clear()
        _public.clear()


def sign(payload: dict, key: SigningKey | None = None) -> str:
    if key is None:
        key = active_key()
        try:
            private = _private_key(key)
        except KeyUnavailable:
            from fangxian.core.keys import TRUSTED, key_state

            # Only a key the installation accepted may replace the signing key: a node
            # started with a foreign SECRET_KEY would otherwise rotate it on every pass.
            if key_state() not in TRUSTED:
                raise
            log.warning("signing key %s cannot be decrypted (SECRET_KEY changed?): retired, a new one made", key.kid)
            key = rotate_key()
            private = _private_key(key)
    else:
        private = _private_key(key)
    body = {**payload, "k": key.kid}
    signing_input = PREFIX + _b64(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())
    der = private.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return f"{signing_input}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def issue(
    *, subject: str, name: str, categories: list[str], campus_id: int | None, window: tuple[int, int] | None = None, now=None
) -> tuple[str, dict]:
    now = int((now or timezone.now()).timestamp())
    payload = {
        "v": 1,
        "s": subject,
        "n": secrets.token_urlsafe(12),
        "i": now,
        "e": now + PASS_SECONDS,
        "c": campus_id,
        "g": categories,
        "nm": name,
        "w": list(window) if window else None,
    }
    token = sign(payload)
    return token, payload


class PassError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def verify(token: str) -> dict:
    """The payload of a well-formed pass with a valid signature; PassError otherwise
    (reason "malformed" or "forged"). Expiry is the caller's to check, against the time
    of the scan."""
    token = (token or "").strip()
    if not token.startswith(PREFIX) or token.count(".") != 2 or len(token) > 2000:
        raise PassError("malformed")
    _prefix, body, signature = token.split(".")
    try:
        payload = json.loads(_unb64(body))
        raw_signature = _unb64(signature)
    except ValueError as exc:
        raise PassError("malformed") from exc
    if not isinstance(payload, dict) or not {"s", "n", "i", "e", "k"} <= payload.keys():
        raise PassError("malformed")
    if not (
        isinstance(payload["i"], int) and isinstance(payload["e"], int) and isinstance(payload["s"], str) and isinstance(payload["n"], str)
    ):
        raise PassError("malformed")
    public = _public_key(str(payload["k"]))
    if public is None or len(raw_signature) != 64:
        raise PassError("forged")
    der = encode_dss_signature(int.from_bytes(raw_signature[:32], "big"), int.from_bytes(raw_signature[32:], "big"))
    try:
        public.verify(der, f"{PREFIX}{body}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise PassError("forged") from exc
    return payload

"""ID numbers and phone numbers encrypted at rest (`SealedCharField`).

A copied database file, a dump or a backup must not reveal who the platform holds. The
column of a sealed field holds `<key id>:<base64>`, the value under deterministic
authenticated encryption (AES-SIV, RFC 5297): the synthetic IV is a keyed PRF of the value,
so one value under one key always gives the same text. That text is the keyed hash: exact
lookups, `__in` lookups and unique constraints work on the column itself, and nobody
without the key can tell what it holds or forge one. "" stays "" (blank stays blank), NULL
stays NULL. Models read and write plain text; only the column is sealed.

Keys: the setting SEAL_KEYS (environment FANGXIAN_SEAL_KEYS), "id:base64key,id:base64key",
the first is current (it seals every value written), the others are still read and looked
up. Key ids are 1 to 8 letters or digits; keys are 32, 48 or 64 random bytes
(`manage.py seal_rotate --new-key k1` prints one). The bare id `k0` names the key derived
from SECRET_KEY (HKDF-SHA256), which is also what an installation without the setting uses,
so a fresh machine and the tests need no configuration; values sealed under a key derived
from one of SECRET_KEY_FALLBACKS are still read (and re-sealed by `seal_rotate`).

Rotation (docs/RUNBOOK.md): put the new key first and keep the old one behind it on every
node, run `manage.py seal_rotate` (re-seals every sealed column under the current key, in
batches, restartable), then remove the old key.

Like any keyed hash kept for lookups, the column tells which rows hold the same value (two
siblings' parent's phone), never what it is.

Only `exact`, `in` and `isnull` work on a sealed field (they match the value under every
key, so lookups keep working during a rotation); anything else (contains, startswith …)
means nothing on ciphertext and raises FieldError. Ordering by a sealed field would sort
ciphertext: nothing does (sort in Python after reading). Code that
writes rows with raw SQL seals the values itself with `seal()` / `seal_rows()`. Serialized
(dumpdata, `manage.py backup`) a sealed field gives its sealed form too; `manage.py restore`
loads it within `loading_dump()`.
"""

from __future__ import annotations

import base64
import binascii
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.checks import Error, register
from django.core.exceptions import EmptyResultSet, FieldError, ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.db.models import lookups

DERIVED = "k0"  # the key derived from SECRET_KEY
_KEY_ID = re.compile(r"^[A-Za-z0-9]{1,8}$")
_SEALED = re.compile(r"^([A-Za-z0-9]{1,8}):([A-Za-z0-9+/]+={0,2})$")
_HKDF_INFO = b"fangxian.sealed-fields.v1"
_ALLOWED_LOOKUPS = frozenset({"exact", "in", "isnull"})


class SealError(ImproperlyConfigured):
    """A sealed value that the configured keys cannot open: its key was removed from
    FANGXIAN_SEAL_KEYS, or the key under that id is not the one it was sealed with."""


@dataclass(frozen=True)
class _Key:
    kid: str
    ciphers: tuple[AESSIV, ...]  # the first seals; all are tried in turn to open (k0 and its fallbacks)
    derived: bool = False  # from SECRET_KEY (and SECRET_KEY_FALLBACKS)


@dataclass(frozen=True)
class _Keyring:
    current: _Key
    by_id: dict[str, _Key]

    def sealed_forms(self, text: str) -> list[str]:
        """`text` as every configured key seals it (for lookups during a rotation)."""
        data = text.encode()
        return [f"{key.kid}:{_b64(cipher.encrypt(data, None))}" for key in self.by_id.values() for cipher in key.ciphers]


_ring: _Keyring | None = None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derived(secret: str) -> AESSIV:
    material = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=_HKDF_INFO).derive(secret.encode())
    return AESSIV(material)


def _parse_keys(spec) -> list[tuple[str, AESSIV | None]]:
    """[(key id, cipher)] from "id:base64,id:base64" (or a list of such items); None for the
    derived key `k0`. Refuses a malformed setting without ever repeating a key."""
    items = [item.strip() for item in (spec.split(",") if isinstance(spec, str) else list(spec or ())) if item.strip()]
    parsed: list[tuple[str, AESSIV | None]] = []
    for item in items:
        kid, sep, material = item.partition(":")
        kid = kid.strip()
        if not _KEY_ID.match(kid):
            raise ImproperlyConfigured(f"FANGXIAN_SEAL_KEYS: a key id must be 1 to 8 letters or digits, not {kid[:12]!r}.")
        if any(kid == known for known, _cipher in parsed):
            raise ImproperlyConfigured(f"FANGXIAN_SEAL_KEYS: the key id {kid!r} is given twice.")
        if not sep or not material.strip():
            if kid != DERIVED:
                raise ImproperlyConfigured(f"FANGXIAN_SEAL_KEYS: the key {kid!r} has no key material (only {DERIVED!r} may stand alone).")
            parsed.append((kid, None))
            continue
        try:
            raw = base64.b64decode(material.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(f"FANGXIAN_SEAL_KEYS: the key {kid!r} is not valid base64.") from None
        if len(raw) not in (32, 48, 64):
            raise ImproperlyConfigured(f"FANGXIAN_SEAL_KEYS: the key {kid!r} must be 32, 48 or 64 bytes, not {len(raw)}.")
        parsed.append((kid, AESSIV(raw)))
    return parsed


def keyring() -> _Keyring:
    """The configured keys (built once per process and settings)."""
    global _ring
    if _ring is None:
        from django.conf import settings

        parsed = _parse_keys(getattr(settings, "SEAL_KEYS", "")) or [(DERIVED, None)]
        by_id: dict[str, _Key] = {}
        for kid, cipher in parsed:
            if cipher is None:
                secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
                by_id[kid] = _Key(kid, tuple(_derived(secret) for secret in secrets if secret), derived=True)
            else:
                by_id[kid] = _Key(kid, (cipher,))
        _ring = _Keyring(by_id[parsed[0][0]], by_id)
    return _ring


def forget_keys(**kwargs) -> None:
    global _ring
    if kwargs.get("setting", "SEAL_KEYS") in ("SEAL_KEYS", "SECRET_KEY", "SECRET_KEY_FALLBACKS"):
        _ring = None
        _open.cache_clear()


setting_changed.connect(forget_keys)


@register()
def check_seal_keys(app_configs, **kwargs):
    """A malformed FANGXIAN_SEAL_KEYS stops manage.py commands and consumers at start."""
    try:
        keyring()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), hint="Correct FANGXIAN_SEAL_KEYS (docs/RUNBOOK.md, sealed fields).", id="core.E002")]
    return []


def seal(value):
    """The stored form of a plain value under the current key ("" and None unchanged)."""
    if value is None or value == "":
        return value
    key = keyring().current
    return f"{key.kid}:{_b64(key.ciphers[0].encrypt(str(value).encode(), None))}"


def key_id(stored: str) -> str:
    """The id of the key a stored value was sealed with ("" for blank)."""
    if not stored:
        return ""
    found = _SEALED.match(stored)
    if not found:
        raise SealError("A sealed column holds a value that is not sealed: run the migrations (manage.py migrate).")
    return found.group(1)


def is_sealed(stored) -> bool:
    return isinstance(stored, str) and bool(_SEALED.match(stored))


def unseal(stored):
    """The plain value of a stored one ("" and None unchanged). SealError when no configured
    key opens it (the message names the key id, never the value)."""
    if stored is None or stored == "":
        return stored
    return _open(stored)


# Opening costs one AES-SIV decryption (about 5 µs); the same rows are read again and again
# (a list, a counselor's students, the people at a gate), so the last values opened are
# remembered by their sealed text (which names its key: a changed key cannot return a stale
# value, and a change of the key settings empties it).
@lru_cache(maxsize=50_000)
def _open(stored: str) -> str:
    kid, sep, text = stored.partition(":")
    key = keyring().by_id.get(kid) if sep else None
    if key is None:
        if not sep or not _SEALED.match(stored):
            raise SealError("A sealed column holds a value that is not sealed: run the migrations (manage.py migrate).")
        raise SealError(
            f"A value is sealed with the key {kid!r}, which is not in FANGXIAN_SEAL_KEYS: put that key back "
            "(behind the current one) and run manage.py seal_rotate before removing it."
        )
    try:
        data = base64.b64decode(text)
    except (binascii.Error, ValueError):
        raise SealError(f"A value sealed with the key {kid!r} is damaged.") from None
    for cipher in key.ciphers:
        try:
            return cipher.decrypt(data, None).decode()
        except InvalidTag:
            continue
    raise SealError(
        f"A value sealed with the key {kid!r} cannot be opened with the key configured under that id: "
        "the key is not the one it was sealed with (or the value was altered)."
    )


def needs_reseal(stored) -> bool:
    """Whether a stored value is not what the current key makes of it (rotation)."""
    if stored is None or stored == "":
        return False
    return seal(unseal(stored)) != stored


def stale_derived_values() -> int:
    """Values under `k0` that the key derived from the current SECRET_KEY alone does not open
    (sealed under a previous secret key): `manage.py secret_key --accept` refuses while any
    is left, since dropping the old key from SECRET_KEY_FALLBACKS would lose them."""
    from django.apps import apps
    from django.db import connection

    key = keyring().by_id.get(DERIVED)
    if key is None or not key.derived:
        return 0
    current = key.ciphers[0]  # derived from SECRET_KEY (the fallbacks' come after it)
    count = 0

    def probe(stored: str) -> str:
        nonlocal count
        if key_id(stored) == DERIVED:
            try:
                current.decrypt(base64.b64decode(stored.partition(":")[2]), None)
            except (InvalidTag, binascii.Error, ValueError):
                count += 1
        return stored

    for model in apps.get_models():
        fields = sealed_fields(model)
        if fields and model._meta.managed and not model._meta.proxy:
            rewrite_columns(connection, model._meta.db_table, model._meta.pk.column, [f.column for f in fields], probe)
    return count


_loading_dump: ContextVar[bool] = ContextVar("sealed_loading_dump", default=False)


@contextmanager
def loading_dump():
    """Within it, the sealed forms a dump carries (see SealedCharField.value_to_string) are
    opened as they are loaded, and sealed again under the current key when saved."""
    token = _loading_dump.set(True)
    try:
        yield
    finally:
        _loading_dump.reset(token)


def sealed_fields(model) -> list[SealedCharField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, SealedCharField)]


def seal_rows(model, fields: list[str], rows: list[tuple]) -> list[tuple]:
    """Rows for a raw INSERT (already adapted to the columns) with the sealed fields'
    plain values sealed."""
    positions = [i for i, name in enumerate(fields) if isinstance(model._meta.get_field(name), SealedCharField)]
    if not positions:
        return rows
    sealed = []
    for row in rows:
        row = list(row)
        for i in positions:
            row[i] = seal(row[i])
        sealed.append(tuple(row))
    return sealed


def stored_length(max_length: int) -> int:
    """Characters a column needs for a value of `max_length` characters: key id, ":",
    base64 of the 16-byte synthetic IV and up to 4 UTF-8 bytes a character."""
    return 9 + 4 * -(-(16 + 4 * max_length) // 3)


class SealedCharField(models.CharField):
    """A CharField stored encrypted (see the module's docstring). `max_length` is the plain
    value's (forms, the API and validation see it); the column is as wide as the sealed
    text needs."""

    description = "Text stored encrypted (AES-SIV)"

    def db_type_parameters(self, connection):
        parameters = super().db_type_parameters(connection)
        if self.max_length is not None:
            parameters["max_length"] = stored_length(self.max_length)
        return parameters

    def from_db_value(self, value, expression, connection):
        return unseal(value)

    def value_to_string(self, obj):
        """Serialized (dumpdata, `manage.py backup`): the sealed form, as in the column."""
        return seal(self.value_from_object(obj))

    def to_python(self, value):
        value = super().to_python(value)
        # Only while a dump is loaded (`manage.py restore`): anywhere else, opening a sealed
        # text someone typed would decrypt a value copied out of a dump for them.
        if _loading_dump.get() and is_sealed(value):
            return unseal(value)
        return value

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        if hasattr(value, "as_sql"):
            return value
        return seal(value)

    def get_lookup(self, lookup_name):
        if lookup_name not in _ALLOWED_LOOKUPS:
            raise FieldError(self._refusal(lookup_name))
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name):
        raise FieldError(self._refusal(lookup_name))

    def _refusal(self, lookup_name: str) -> str:
        where = f"{self.model._meta.label}.{self.name}" if hasattr(self, "model") else self.name
        return (
            f"{where} is sealed (encrypted at rest): only exact, in and isnull lookups work on it, not {lookup_name!r}. "
            "Compare whole values, or filter in Python after reading them."
        )


@SealedCharField.register_lookup
class SealedExact(lookups.Exact):
    """`field = value` under every configured key (one key: a plain comparison)."""

    def as_sql(self, compiler, connection):
        if self.rhs_is_direct_value() and self.rhs not in (None, "") and len(keyring().by_id) + _extra_ciphers() > 1:
            lhs_sql, params = self.process_lhs(compiler, connection)
            forms = keyring().sealed_forms(str(self.rhs))
            return f"{lhs_sql} IN ({', '.join(['%s'] * len(forms))})", (*params, *forms)
        return super().as_sql(compiler, connection)


@SealedCharField.register_lookup
class SealedIn(lookups.In):
    """`field IN (…)` with every value under every configured key."""

    def process_rhs(self, compiler, connection):
        if not self.rhs_is_direct_value():
            return super().process_rhs(compiler, connection)
        ring = keyring()
        forms: dict[str, None] = {}
        for value in self.rhs:
            if value is None:
                continue
            if value == "":
                forms[""] = None
                continue
            for form in ring.sealed_forms(str(value)):
                forms[form] = None
        if not forms:
            raise EmptyResultSet
        return "(" + ", ".join(["%s"] * len(forms)) + ")", list(forms)


def _extra_ciphers() -> int:
    """Ciphers beyond one per key id (k0 with SECRET_KEY_FALLBACKS)."""
    return sum(len(key.ciphers) - 1 for key in keyring().by_id.values())


# Sealing, opening and re-sealing whole columns, with plain SQL in batches by primary key (no
# model instances, no signals, no change-log entries): the migrations that seal a column and
# `manage.py seal_rotate` both use it.

BATCH = 1000


def rewrite_columns(connection, table: str, pk_column: str, columns: list[str], change, *, batch: int = BATCH, atomic: bool = False):
    """Pass every non-blank value of `columns` through `change(stored) -> new stored` and
    write back those that differ, `batch` rows at a time, in primary key order. Returns
    (counts of the key ids found before, "plain" for unsealed values; values rewritten).
    Each value is written only if the column still holds what was read (a row saved
    meanwhile by the application is already sealed under the current key). With `atomic`,
    each batch is its own transaction: an interrupted run keeps what it did, and running it
    again carries on (nothing is rewritten twice)."""
    from collections import Counter
    from contextlib import nullcontext

    from django.db import transaction

    quote = connection.ops.quote_name
    selected = ", ".join(quote(c) for c in columns)
    # Identifiers come from the models, never from input.
    select = (
        f"SELECT {quote(pk_column)}, {selected} FROM {quote(table)} "  # noqa: S608
        f"WHERE {quote(pk_column)} > %s ORDER BY {quote(pk_column)} LIMIT {int(batch)}"
    )
    updates = [
        f"UPDATE {quote(table)} SET {quote(c)} = %s WHERE {quote(pk_column)} = %s AND {quote(c)} = %s"  # noqa: S608
        for c in columns
    ]
    found: Counter = Counter()
    rewritten, last = 0, 0  # integer primary keys start at 1
    while True:
        with transaction.atomic(using=connection.alias) if atomic else nullcontext(), connection.cursor() as cursor:
            cursor.execute(select, [last])
            rows = cursor.fetchall()
            if not rows:
                break
            changed: list[list[tuple]] = [[] for _c in columns]
            for pk, *values in rows:
                for index, value in enumerate(values):
                    if not value:
                        continue
                    found[key_id(value) if is_sealed(value) else "plain"] += 1
                    new = change(value)
                    if new != value:
                        changed[index].append((new, pk, value))
            for update, params in zip(updates, changed, strict=True):
                if params:
                    cursor.executemany(update, params)
                    rewritten += len(params)
            last = rows[-1][0]
    return found, rewritten


def _seal_plain(value):
    return value if is_sealed(value) else seal(value)


def _open_sealed(value):
    return unseal(value) if is_sealed(value) else value


def sealing_migration(app_label: str, fields: dict[str, list[str]]):
    """A RunPython that seals the existing values of `fields` ({model name: [field names]})
    after the columns became SealedCharFields (and widened); its reverse opens them again
    before the columns narrow back."""
    from django.db import migrations

    def run(change):
        def operation(apps, schema_editor):
            for model_name, names in fields.items():
                model = apps.get_model(app_label, model_name)
                columns = [model._meta.get_field(name).column for name in names]
                rewrite_columns(schema_editor.connection, model._meta.db_table, model._meta.pk.column, columns, change)

        return operation

    return migrations.RunPython(run(_seal_plain), run(_open_sealed), elidable=False)


# The undo record of an import (core.ImportBatch.created_objects / changed_fields) keeps the
# values it would restore: [label, pk] or [label, pk, {field: value}] for created rows,
# [label, pk, {field: [old, new]}] for changed ones. Values of sealed fields are kept sealed
# there too, and opened when the batch is read for an undo.


def _map_values(value, change):
    return [change(v) for v in value] if isinstance(value, list) else change(value)


def map_refs(refs, change):
    """The refs with `change` applied to every value of a sealed field (None unchanged)."""
    if not refs:
        return refs
    from django.apps import apps

    names: dict[str, frozenset[str]] = {}
    mapped = []
    for ref in refs:
        if len(ref) < 3 or not ref[2]:
            mapped.append(ref)
            continue
        label = ref[0]
        if label not in names:
            try:
                names[label] = frozenset(f.name for f in sealed_fields(apps.get_model(label)))
            except LookupError:
                names[label] = frozenset()
        sealed_names = names[label]
        if not sealed_names.intersection(ref[2]):
            mapped.append(ref)
            continue
        fields = {name: _map_values(value, change) if name in sealed_names else value for name, value in ref[2].items()}
        mapped.append([label, ref[1], fields, *ref[3:]])
    return mapped


def seal_ref_value(value):
    return seal(value) if isinstance(value, str) and value and not is_sealed(value) else value


def open_ref_value(value):
    return unseal(value) if is_sealed(value) else value


def reseal_ref_value(value):
    return seal(unseal(value)) if is_sealed(value) else value

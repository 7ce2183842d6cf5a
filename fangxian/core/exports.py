"""Files exported from the platform that may hold personal data (xlsx, docx): masked by
default for every role; unmasked only with a grant (a reason, approved by the security
administrator: two people), used once, within a day, for exactly the export it was asked for.

An app registers each export that can hold a masked field (ID number, phone, address) from
its AppConfig.ready(), so the privacy app can offer the request form and count its rows:

    from fangxian.core.exports import ExportKind, register_export

    register_export(
        ExportKind(
            "ledger",  # the `export` key the view records in its EXPORT security event
            _("Stay ledger"),
            "ledger:export",  # the download view; it reads the filters below from ?…
            params=("day", "college", "klass", "status", "q"),
            count=lambda user, params, args: ...,  # the rows in the user's scope, for the request
            roles=frozenset({...}),  # who may ask for it unmasked (those allowed to reveal the fields)
        )
    )

and its download view asks for the mode before writing the file:

    mode = export_mode(request, "ledger", params={...}, args=())  # consumes ?grant=<id>, or refuses it
    ... mask unless mode.unmasked ...
    write_workbook(sheets, watermark=mode.watermark)
    record_event(SecurityEvent.Kind.EXPORT, request=request, export="ledger", rows=n, students=[...], **mode.detail())

Every EXPORT security event becomes an export record (privacy.ExportRecord: who, when,
which export, masked or not, the grant, the row count and the primary keys of the rows),
whatever app wrote it. The grant store is the privacy app's: it installs itself with
`set_grant_backend` (core imports no other app).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied


@dataclass(frozen=True)
class ExportKind:
    key: str
    label: str
    url_name: str
    params: tuple[str, ...] = ()  # the query parameters that choose the rows (a grant is for these values)
    count: Callable | None = None  # count(user, params: dict, args: tuple) -> rows in the user's scope
    roles: frozenset = field(default_factory=frozenset)  # who may ask for it unmasked


_kinds: dict[str, ExportKind] = {}


def register_export(kind: ExportKind) -> None:
    _kinds[kind.key] = kind


def export_kinds() -> list[ExportKind]:
    return sorted(_kinds.values(), key=lambda k: k.key)


def export_kind(key: str) -> ExportKind | None:
    return _kinds.get(key)


def export_params(kind: ExportKind, query) -> dict[str, str]:
    """The parameters of `kind` in a query (a QueryDict or dict), empty ones dropped, so
    that a grant and its download compare equal however the link was written."""
    found = {}
    for name in kind.params:
        value = str(query.get(name, "") or "").strip()[:100]
        if value:
            found[name] = value
    return found


class ExportRefused(PermissionDenied):
    """A download with a grant that cannot be used (someone else's, not approved, used,
    expired, or for another export): 403 with the reason, nothing exported."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class ExportMode:
    unmasked: bool
    grant: int | None
    watermark: str

    @property
    def masked(self) -> bool:
        return not self.unmasked

    def detail(self) -> dict:
        """Keywords of the export's security event (the export record reads them)."""
        return {"masked": self.masked, "grant": self.grant}


# use_grant(request, grant_id: str, key: str, params: dict, args: tuple) -> int (the grant's
# pk, consumed) or raises ExportRefused; installed by the privacy app.
_use_grant: Callable | None = None


def set_grant_backend(use_grant: Callable) -> None:
    global _use_grant
    _use_grant = use_grant


def export_mode(request, key: str, *, params: dict | None = None, args: tuple = ()) -> ExportMode:
    """Masked, unless the request carries ?grant=<id> for exactly this export (same key,
    parameters and arguments) approved for this user and not used yet: it is used now.
    A grant that cannot be used is refused (ExportRefused), never silently ignored."""
    from .xlsx import watermark_for

    watermark = watermark_for(request.user)
    raw = (request.GET.get("grant") or "").strip()
    if not raw:
        return ExportMode(False, None, watermark)
    if _use_grant is None or key not in _kinds:
        raise ExportRefused(_refusal())
    pk = _use_grant(request, raw, key, dict(params or {}), tuple(str(a) for a in args))
    return ExportMode(True, pk, watermark)


def _refusal() -> str:
    from django.utils.translation import gettext as _

    return _("This export cannot be downloaded unmasked.")

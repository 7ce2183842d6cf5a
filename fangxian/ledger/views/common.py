"""What the ledger pages share. The role sets live in ledger/access.py and the write check
is fangxian.org.access.can_write / require_write; these names stay for the modules that
still import them."""

from __future__ import annotations

from fangxian.org.access import require_write

from ..access import OFFICE_READ, STAFF_ROLES, WRITE_ROLES

__all__ = ["OFFICE_READ", "STAFF_ROLES", "WRITE_ROLES", "_writable"]


def _writable(request) -> None:
    """A scope that is not read-only (the view's decorator has checked the role)."""
    require_write(request.user, None)

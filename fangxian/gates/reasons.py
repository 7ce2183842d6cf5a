"""Why a scan was allowed or refused: short codes stored with each scan, and the words
the guard reads (also sent to the station for its offline checks)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ALLOWED = {
    "ok": _("Allowed by the campus policy"),
    "ok_leave": _("Allowed: approved leave"),
    "ok_late": _("Allowed in: back later than the approved leave"),
    "ok_visit": _("Allowed: approved visit. Check the visitor's ID card"),
    "ok_vehicle": _("Allowed: registered vehicle"),
    "ok_offline": _("Checked offline; the server will confirm"),
    "ok_confirmed": _("Allowed: the guard checked the person"),
}
# Neither allowed nor refused: the guard must look at the person.
VERIFY = {
    "verify": _("Typed number: verify in person. Compare the name and photo with the person and their card, then confirm"),
    "verify_offline": _("Typed number, offline: check the person's ID card yourself; it is recorded as a check in person"),
}
REFUSED = {
    "malformed": _("Not a Fangxian pass (unreadable code)"),
    "forged": _("Forged or altered pass (signature invalid)"),
    "expired": _("Pass expired: ask the holder to refresh the pass page"),
    "future": _("Pass dated in the future: check the device clock"),
    "revoked": _("This person's passes have been revoked"),
    "replayed": _("This pass has already been used (screenshot or second scan)"),
    "other_campus": _("This pass is for another campus"),
    "policy": _("The campus policy refuses this category"),
    "no_rule": _("The campus policy does not cover this category"),
    "no_policy": _("No access policy is in force on this campus"),
    "hours": _("Outside the permitted hours"),
    "no_leave": _("No approved leave for now"),
    "need_pass": _("A signed pass (QR) is required; a typed number is not enough"),
    "visit_pending": _("The visit has not been approved"),
    "visit_window": _("Outside the visitor's approved time"),
    "vehicle": _("Vehicle not registered for now"),
    "unknown": _("No such person, visit or vehicle"),
    "not_enrolled": _("Not an enrolled student or active staff member"),
    "queued": _("Recorded offline; it will be checked when the network is back"),
    "unattended": _("A typed number is not accepted at an unattended device: show a pass or go to a guard"),
    "not_confirmed": _("The guard did not confirm the person"),
}
MESSAGES = {**ALLOWED, **VERIFY, **REFUSED}


def message(code: str) -> str:
    return str(MESSAGES.get(code, code))


def all_messages() -> dict[str, str]:
    return {code: str(text) for code, text in MESSAGES.items()}

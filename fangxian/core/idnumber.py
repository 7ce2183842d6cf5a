"""Chinese resident identity numbers (公民身份号码, GB 11643-1999): the check every app
uses (people in org, visitors in gates, spreadsheet cells in imports)."""

from __future__ import annotations

import operator
import re
from datetime import date

from django.utils.translation import gettext_lazy as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


_ASCII_ZERO_SUM = 48 * sum(_WEIGHTS)  # what the weighted sum of the characters' codes adds for "0"s


def check_digit(first17: str) -> str:
    """The 18th character for the first 17 digits (ISO 7064 MOD 11-2)."""
    if len(first17) == 17 and first17.isascii() and first17.isdigit():
        # The weighted sum of the characters' codes, less what their "0"s add: a fast path
        # for the usual case (an import checks tens of thousands of numbers).
        total = sum(map(operator.mul, first17.encode(), _WEIGHTS)) - _ASCII_ZERO_SUM
    else:
        total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalize(value: str) -> str:
    """Upper-case X, no surrounding or inner spaces, full-width digits made ASCII."""
    value = value.translate(_FULLWIDTH).replace(" ", "").strip()
    return value.upper()


_FULLWIDTH = str.maketrans("０１２３４５６７８９ｘＸ　", "0123456789xX ")


# What to tell the user for each `problem()`.
MESSAGES = {
    "shape": _("An ID number has 17 digits followed by a digit or X."),
    "birthdate": _("The birth date inside the ID number does not exist."),
    "check_digit": _("The check digit of the ID number is wrong (GB 11643)."),
}


def problem(value: str) -> str | None:
    """Why `value` is not a valid identity number (a key of MESSAGES); None when it is valid."""
    if not _SHAPE.match(value):
        return "shape"
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "birthdate"
    if check_digit(value[:17]) != value[17]:
        return "check_digit"
    return None


def mask(value: str) -> str:
    """Keep the province and city (first four) and the last four characters:
    6201**********123X (the usual display of an ID number in Chinese systems)."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "****" + value[-4:]

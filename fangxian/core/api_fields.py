"""DRF fields that answer bad input with a 400, never a server error."""

from __future__ import annotations

from rest_framework import serializers


class DateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField raises OverflowError (a 500) for a date-only value at the edge of
    the calendar ("0001-01-01" made aware in Asia/Shanghai falls before year 1); here it is
    the field's own "out of range" error, as DRF already says for aware values."""

    def to_internal_value(self, value):
        try:
            return super().to_internal_value(value)
        except OverflowError:
            self.fail("overflow")

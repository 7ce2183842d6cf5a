from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from fangxian.core.params import BadParameter


def exception_handler(exc, context):
    """DRF's handler, plus model validation errors and unreadable parameters (dates, ids)
    answered as 400 instead of 500, and rate limits recorded."""
    from fangxian.accounts.middleware import record_rate_limited
    from fangxian.accounts.throttle import ExportNeedsApproval, RateLimited, request_export_approval

    if isinstance(exc, RateLimited):
        # The refused reveal or export rolled back; the refusal itself is kept.
        record_rate_limited(context["request"], exc)
    if isinstance(exc, ExportNeedsApproval):
        request_export_approval(context["request"], exc)
    if isinstance(exc, BadParameter):
        exc = exceptions.ValidationError({exc.field: [exc.message]})
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code in (403, 404) and context.get("request") is not None:
        from fangxian.audit.refusals import record_refusal

        record_refusal(context["request"], response.status_code)
    return response

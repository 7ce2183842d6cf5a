"""The application's URLs plus two views for the gate benchmark: a reference that
authenticates the device exactly as the scan endpoint does and performs one INSERT, so that
the scan endpoint's throughput can be read as a ratio of "the least a scan could cost", and
a floor that does nothing at all."""

import uuid

from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from rest_framework.response import Response

from fangxian.gates.api import device_api
from fangxian.gates.models import Scan
from fangxian.urls import urlpatterns as app_urlpatterns


@device_api(["POST"])
def reference(request):
    gate = request.auth.gate
    # bulk_create: exactly one INSERT (create() would also send post_save, whose receivers
    # write more; the scan path sends none either).
    Scan.objects.bulk_create(
        [
            Scan(
                scan_id=uuid.uuid4(),
                campus_id=gate.parent_id,
                gate=gate,
                direction="in",
                method="pass",
                verdict="allowed",
                reason="ok",
                scanned_at=timezone.now(),
            )
        ]
    )
    return Response({"ok": True})


@csrf_exempt
def floor(request):
    """No authentication, no database: what any request costs on this server and machine
    (gunicorn, the middleware stack, loopback). Its p99 is the floor of every p99 here."""
    return HttpResponse(b'{"ok": true}', content_type="application/json")


urlpatterns = [path("bench/reference/", reference), path("bench/floor/", floor), *app_urlpatterns]

"""The certificate of the purge after the emergency (疫情数据清除证明): what was deleted or
de-identified, per table, how many rows, when, and what remains; signed with the
installation's secret key (the key fingerprinted by fangxian.core.keys), so that the
installation can later confirm that a filed certificate is the one it issued."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from fangxian.core import keys
from fangxian.core.personal import Retention, personal_models

from .inventory import model_of, purge_mode
from .models import EmergencyEnd, PurgeRun
from .purge import date_bound

SALT = "fangxian.privacy.certificate.v1"


def canonical(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sign(payload: dict) -> str:
    return signing.Signer(salt=SALT, algorithm="sha256").signature(canonical(payload))


def verify(payload: dict, signature: str) -> bool:
    """Was this certificate issued by this installation (its key or a fallback key)?"""
    import hmac

    signers = [signing.Signer(key=key, salt=SALT, algorithm="sha256") for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]]
    return any(hmac.compare_digest(s.signature(canonical(payload)), signature or "") for s in signers)


def _remaining(end: EmergencyEnd) -> list[dict]:
    """Per epidemic-only table: the rows of the emergency still held (deleted tables: 0)."""
    rows = []
    for entry in personal_models():
        model = model_of(entry)
        if model is None or not entry.dated_by or not any(f.retention == Retention.AFTER_EMERGENCY for f in entry.fields):
            continue
        cutoff = timezone.make_aware(datetime.combine(end.ends_on + timedelta(days=1), time.min))
        held = model._base_manager.filter(**{f"{entry.dated_by}__lt": date_bound(model, entry.dated_by, cutoff)}).count()
        rows.append(
            {"table": entry.label, "name": str(model._meta.verbose_name), "mode": purge_mode(entry), "rows_of_the_emergency_held": held}
        )
    return rows


@transaction.atomic
def issue(end: EmergencyEnd, run: PurgeRun) -> EmergencyEnd:
    end = EmergencyEnd.objects.select_for_update().get(pk=end.pk)
    if end.purged_at is not None:
        return end
    now = timezone.now()
    after = {m.label for m in personal_models() if any(f.retention == Retention.AFTER_EMERGENCY for f in m.fields)}
    payload = {
        "title": "疫情数据清除证明",
        "emergency_ends_on": end.ends_on.isoformat(),
        "purge_on": end.purge_on.isoformat(),
        "requested_by": end.requested_by.get_username(),
        "approved_by": end.decided_by.get_username() if end.decided_by else "",
        "run": run.key,
        "retention_computed_at": timezone.localtime(run.as_of).isoformat(timespec="seconds"),
        "finished_at": timezone.localtime(run.finished_at or now).isoformat(timespec="seconds"),
        "tables": [{"table": label, **counts} for label, counts in sorted(run.counts.items()) if label in after],
        "remaining": _remaining(end),
        "issued_at": timezone.localtime(now).isoformat(timespec="seconds"),
        "key_fingerprint": keys.fingerprint(settings.SECRET_KEY)[:16],
    }
    end.certificate = payload
    end.signature = sign(payload)
    end.purged_at = now
    end.save(update_fields=["certificate", "signature", "purged_at"])
    return end

"""The demo's notices on top of the demo university: a dozen, receipts partly confirmed,
the 宣传部 login, a revised policy, one scheduled, the demo student with notices to read."""

from __future__ import annotations

import pytest

from fangxian.core.demo import loaders
from fangxian.notices import selectors
from fangxian.notices.access import can_publish
from fangxian.notices.models import Notice, Receipt, Status

pytestmark = pytest.mark.django_db


def test_demo_notices(django_user_model):
    # What the notices' demo builds on (the organisation, the ledger, the gates' policies).
    for loader in loaders():
        if loader.name in {"accounts", "org", "ledger", "gates", "notices"}:
            loader.load(size=300, seed=7)
    published = Notice.objects.filter(status=Status.PUBLISHED)
    assert published.count() >= 10
    assert {"school", "city", "province", "central"} <= set(published.values_list("source_level", flat=True))
    receipts = Receipt.objects.count()
    read = Receipt.objects.filter(read_at__isnull=False).count()
    assert 0.2 * receipts < read < 0.95 * receipts
    assert Notice.objects.filter(status=Status.SCHEDULED).count() == 1
    assert Notice.objects.filter(version=2).exists()
    publicity = django_user_model.objects.get(username="publicity")
    assert can_publish(publicity)
    student = django_user_model.objects.get(username="student")
    assert selectors.my_receipts(student).exists()
    assert selectors.public_notices().exists()
    # Loading twice adds nothing.
    count = Notice.objects.count()
    loaders()[[loader.name for loader in loaders()].index("notices")].load(size=300, seed=7)
    assert Notice.objects.count() == count

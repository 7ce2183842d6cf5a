"""The inventory (个人信息处理活动记录) over every installed model: a field that looks
personal is registered (or declared not personal), and every registration names what exists."""

import pytest
from django.apps import apps
from django.db import models
from openpyxl import load_workbook

from fangxian.audit.models import SecurityEvent
from fangxian.core.personal import PersonalField, personal_model, register_personal_fields
from fangxian.privacy import inventory


def test_every_field_that_looks_personal_is_registered():
    # Every app registers its own fields from AppConfig.ready(); the message names the
    # field and says how to fix it.
    missing = inventory.unregistered()
    assert missing == [], (
        "Register these fields with fangxian.core.personal.register_personal_fields(...) from the app that owns the "
        "model, or declare them not_personal=(...) there with a comment saying why: " + ", ".join(missing)
    )


def test_every_registration_names_an_existing_model_and_field():
    assert inventory.registration_errors() == []


def test_the_rule_sees_names_numbers_health_and_whereabouts():
    fields = {
        "name": models.CharField(max_length=5),
        "mobile": models.CharField(max_length=5),
        "body_temperature": models.DecimalField(),
        "symptoms": models.TextField(),
        "destination": models.CharField(max_length=5),
        "birth_date": models.DateField(),
        "guardian_phone": models.CharField(max_length=5),
        "id_number": models.CharField(max_length=5),
        "count": models.IntegerField(),
        "created_at": models.DateTimeField(),
        "verbose remark": models.CharField("remark about the student", max_length=5),
    }
    seen = {}
    for name, field in fields.items():
        field.name = name.replace(" ", "_").replace("verbose_remark", "x")
        seen[name] = inventory.looks_personal(field)
    assert seen == {
        "name": True,
        "mobile": True,
        "body_temperature": True,
        "symptoms": True,
        "destination": True,
        "birth_date": True,
        "guardian_phone": True,
        "id_number": True,
        "count": False,
        "created_at": False,
        "verbose remark": True,
    }


def test_a_field_added_without_registration_is_found(settings):
    # A model gaining a personal field is caught: drop one registered field and look again.
    entry = personal_model("gates.Visit")
    kept = tuple(f for f in entry.fields if f.name != "phone")
    from fangxian.core import personal

    saved = personal._models["gates.visit"]
    personal._models["gates.visit"] = personal.PersonalModel(entry.label, kept, entry.dated_by, entry.extra)
    try:
        assert inventory.unregistered() == ["gates.visit.phone"]
    finally:
        personal._models["gates.visit"] = saved


def test_a_registration_of_a_missing_field_is_an_error():
    from fangxian.core import personal

    saved = personal._models.get("gates.vehicle")
    register_personal_fields("gates.Vehicle", PersonalField("colour", "contact", "x"))
    try:
        assert inventory.registration_errors() == ["gates.vehicle.colour: no such field"]
    finally:
        personal._models["gates.vehicle"] = saved


def test_id_numbers_and_phones_of_people_carry_a_mask():
    for label in ("org.Student", "org.Staff", "gates.Visit"):
        entry = personal_model(label)
        assert entry.get("id_number").mask == "id_number"
        assert entry.get("phone").mask == "phone"
        assert entry.get("id_number").is_sensitive
    assert personal_model("ledger.StayApplication").get("parent_phone").mask == "phone"


def test_epidemic_only_data_is_registered_for_the_end_of_the_emergency():
    after = {m.label for m in inventory.personal_models() if any(f.retention == "after_emergency" for f in m.fields)}
    assert {"gates.scan", "gates.leaveapplication", "dashboard.studentdayscan", "reports.submission"} <= after


@pytest.mark.django_db
def test_the_security_and_audit_admins_read_and_export_the_inventory(verified_client, secadmin, auditor, office):
    client = verified_client(auditor)
    page = client.get("/privacy/inventory/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "身份证号" in html and "个人信息" in html
    response = client.get("/privacy/inventory/export/")
    assert response.status_code == 200
    sheet = load_workbook(__import__("io").BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert any(row[2] == "身份证号" for row in values if len(row) > 2)
    event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT, username=auditor.username).get()
    assert event.detail["export"] == "privacy.inventory" and event.detail["rows"] == len(values) - 3
    assert verified_client(secadmin).get("/privacy/inventory/").status_code == 200
    assert verified_client(office).get("/privacy/inventory/").status_code == 403
    assert client.post("/privacy/inventory/").status_code == 405


def test_every_registered_model_is_installed():
    for entry in inventory.personal_models():
        assert inventory.model_of(entry) is not None, entry.label
    assert apps.get_model("privacy", "AccessRecord")

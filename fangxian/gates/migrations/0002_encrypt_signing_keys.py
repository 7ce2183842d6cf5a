"""Encrypt the signing keys stored in the clear before keys were encrypted at rest."""

from django.db import migrations


def encrypt(apps, schema_editor):
    from cryptography.hazmat.primitives import serialization

    from fangxian.gates.signing import encrypt_private_key

    SigningKey = apps.get_model("gates", "SigningKey")
    for key in SigningKey.objects.exclude(private_pem__contains="ENCRYPTED"):
        private = serialization.load_pem_private_key(key.private_pem.encode(), password=None)
        key.private_pem = encrypt_private_key(private)
        key.save(update_fields=["private_pem"])


class Migration(migrations.Migration):
    dependencies = [("gates", "0001_initial")]

    operations = [migrations.RunPython(encrypt, migrations.RunPython.noop)]

"""Existing phones in E.164 and every client's name key (for duplicate detection).

A phone is read in its clinic's default region (the first location's country, else the
locale's, else GB: see clients/phones.py). A phone that does not parse is left as it is and
listed (client id and value) on stdout and in the ``needlepoint.migrations`` log, for the clinic
to correct by hand; messaging still matches such a number by its digits."""

import logging

from django.db import migrations

from needlepoint.clinic.clients import identity, phones

log = logging.getLogger("needlepoint.migrations")


def _region(apps, clinic_id, cache):  # type: ignore[no-untyped-def]
    if clinic_id not in cache:
        Location = apps.get_model("clinics", "Location")
        Clinic = apps.get_model("clinics", "Clinic")
        country = (
            Location.objects.filter(clinic_id=clinic_id)
            .exclude(country="")
            .order_by("pk")
            .values_list("country", flat=True)
            .first()
        )
        locale = Clinic.objects.filter(pk=clinic_id).values_list("locale", flat=True).first() or ""
        if country and len(country) == 2:
            cache[clinic_id] = country.upper()
        elif "-" in locale:
            cache[clinic_id] = locale.split("-", 1)[1].upper()
        else:
            cache[clinic_id] = phones.FALLBACK_REGION
    return cache[clinic_id]


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    Client = apps.get_model("clients", "Client")
    regions: dict[int, str] = {}
    unparsable: list[tuple[int, str]] = []
    for c in Client.objects.only("pk", "clinic_id", "phone", "first_name", "last_name").iterator(chunk_size=2000):
        changes = {"name_key": identity.name_key(c.first_name, c.last_name)}
        if c.phone:
            number = phones.e164_or_none(c.phone, _region(apps, c.clinic_id, regions))
            if number is None:
                unparsable.append((c.pk, c.phone))
            elif number != c.phone:
                changes["phone"] = number
        Client.objects.filter(pk=c.pk).update(**changes)
    if unparsable:
        lines = "\n".join(f"  client #{pk}: {value!r}" for pk, value in unparsable)
        message = f"{len(unparsable)} client phone(s) could not be read and were left as they are:\n{lines}"
        log.warning(message)
        print(f"\n{message}")


class Migration(migrations.Migration):
    dependencies = [("clients", "0002_merged_into_name_key_indexes"), ("clinics", "0002_closures_and_public_holidays")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]

from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "needlepoint.clinic.clinics"
    label = "clinics"
    verbose_name = "Clinics, locations, rooms and devices"
    # Its models are put on the audit trail by AuditConfig.ready(): the audit app builds on this
    # one (every audit row belongs to a clinic), so this one does not import it back.

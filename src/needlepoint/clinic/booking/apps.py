from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "needlepoint.clinic.booking"
    label = "booking"
    verbose_name = "Booking: availability, series, appointments, waitlist"

    def ready(self) -> None:
        from needlepoint.clinic.audit.registry import register_audited

        from . import models

        register_audited(
            models.AppointmentType,
            models.BookingPolicy,
            models.WeeklyShift,
            models.ShiftException,
            models.TimeOff,
            models.Series,
            models.Appointment,
            models.WaitlistEntry,
        )

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.clinic.booking.conftest import BookingWorld, make_booking_world
from tests.clinic.messaging.smtp_sink import Recorder, start_sink
from tests.conftest import ClinicWorld


@pytest.fixture
def smtp(settings: object) -> Iterator[Recorder]:
    recorder = Recorder()
    controller, port = start_sink(recorder)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # type: ignore[attr-defined]
    settings.EMAIL_HOST = "127.0.0.1"  # type: ignore[attr-defined]
    settings.EMAIL_PORT = port  # type: ignore[attr-defined]
    settings.EMAIL_USE_TLS = False  # type: ignore[attr-defined]
    settings.EMAIL_HOST_USER = ""  # type: ignore[attr-defined]
    settings.EMAIL_TIMEOUT = 5  # type: ignore[attr-defined]
    yield recorder
    controller.stop()


@pytest.fixture
def bw(clinic_a: ClinicWorld) -> BookingWorld:
    return make_booking_world(clinic_a)

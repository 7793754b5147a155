from tests.clinic.booking.conftest import bw  # noqa: F401 — the booking world fixture

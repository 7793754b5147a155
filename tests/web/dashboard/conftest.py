# 'Now' is the treatment helpers' session start (a Tuesday morning in London).
from tests.clinic.treatments.conftest import _clock, _media  # noqa: F401

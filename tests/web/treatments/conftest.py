# The treatment tests' autouse fixtures: uploads in a temporary directory, 'now' at the session start.
from tests.clinic.treatments.conftest import _clock, _media  # noqa: F401

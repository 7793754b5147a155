from tests.media import _media  # noqa: F401 — autouse: uploads go to a temporary directory

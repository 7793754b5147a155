"""Needlepoint: a microneedling practice, end to end."""

__version__ = "0.1.0"

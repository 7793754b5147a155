"""Webhooks."""

from __future__ import annotations

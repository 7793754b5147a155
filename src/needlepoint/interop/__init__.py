"""Formats other systems read: iCalendar, FHIR R4, CSV, PDF."""

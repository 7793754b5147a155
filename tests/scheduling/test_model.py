"""Domain errors for bad configuration and requests, with messages staff can act on."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from needlepoint.scheduling import (
    AppointmentType,
    BookingPolicy,
    Clinic,
    DateWindow,
    InvalidConfigurationError,
    InvalidIntervalError,
    InvalidWindowError,
    LocalTimeRange,
    Location,
    Preferences,
    Room,
    SchedulingError,
    SearchLimits,
    SeriesRequest,
    UnknownResourceError,
    UnknownTimeZoneError,
)

from .helpers import practitioner, treatment


def test_every_domain_error_is_a_scheduling_error_and_a_value_error() -> None:
    for error in (InvalidConfigurationError, InvalidIntervalError, InvalidWindowError,
                  UnknownResourceError, UnknownTimeZoneError):
        assert issubclass(error, SchedulingError) and issubclass(error, ValueError)


def test_location_time_zone_is_checked() -> None:
    with pytest.raises(UnknownTimeZoneError, match="Europe/Lndon"):
        Location("soho", "Europe/Lndon")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"duration": timedelta(0)}, "duration must be positive"),
        ({"duration": timedelta(minutes=30), "numbing": timedelta(minutes=-5)}, "numbing"),
        ({"duration": timedelta(minutes=30), "cleaning": timedelta(microseconds=5)}, "whole number"),
        ({"duration": timedelta(minutes=30), "min_depth_mm": 1}, "needs a device_kind"),
    ],
)
def test_appointment_type_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises((InvalidConfigurationError, InvalidIntervalError), match=message):
        AppointmentType("t", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"grid": timedelta(minutes=7)}, "dividing 12 hours"),
        ({"grid": timedelta(seconds=90)}, "whole minutes"),
        ({"lead_time": timedelta(days=2), "horizon": timedelta(days=1)}, "longer than lead_time"),
        ({"lead_time": timedelta(hours=-1)}, "lead_time"),
    ],
)
def test_booking_policy_validation(kwargs: dict[str, timedelta], message: str) -> None:
    with pytest.raises(InvalidConfigurationError, match=message):
        BookingPolicy(**kwargs)


def test_clinic_checks_references_and_duplicates() -> None:
    soho = Location("soho", "Europe/London")
    with pytest.raises(InvalidConfigurationError, match="duplicate room id 'r1'"):
        Clinic(locations=[soho], practitioners=[], rooms=[Room("r1", "soho"), Room("r1", "soho")])
    with pytest.raises(UnknownResourceError, match="room r1 refers to unknown location 'bank'"):
        Clinic(locations=[soho], practitioners=[], rooms=[Room("r1", "bank")])
    with pytest.raises(UnknownResourceError, match="practitioner p1"):
        Clinic(locations=[soho], practitioners=[practitioner("p1", location="bank")], rooms=[])


def test_preference_validation() -> None:
    with pytest.raises(InvalidConfigurationError, match="weekdays"):
        Preferences(weekdays=frozenset({9}))
    with pytest.raises(InvalidWindowError, match="must be after start"):
        LocalTimeRange(time(14), time(9))
    with pytest.raises(ValueError, match="brunch"):
        Preferences(time_of_day="brunch")  # type: ignore[arg-type]


def test_request_validation() -> None:
    with pytest.raises(InvalidWindowError, match="positive integer"):
        SeriesRequest.regular(treatment(), count=0, first_earliest=date(2027, 1, 1),
                              first_latest=date(2027, 1, 2))
    with pytest.raises(InvalidWindowError, match="2 entries for 3 sessions"):
        SeriesRequest.regular(treatment(), count=3, first_earliest=date(2027, 1, 1),
                              first_latest=date(2027, 1, 2), windows=[None, None])
    with pytest.raises(InvalidWindowError, match="do not intersect"):
        SeriesRequest.regular(treatment(), count=1, first_earliest=date(2027, 1, 1),
                              first_latest=date(2027, 1, 2),
                              windows=[DateWindow(date(2027, 2, 1), None)])
    with pytest.raises(InvalidConfigurationError, match="empty"):
        SeriesRequest.regular(treatment(), count=1, first_earliest=date(2027, 1, 1),
                              first_latest=date(2027, 1, 2), practitioner_ids=[])
    with pytest.raises(InvalidConfigurationError, match="max_steps"):
        SearchLimits(max_steps=0)

"""The record's rules, with their one home (clients/identity.py, clients/phones.py) run by
Client.clean for every path: a plausible date of birth, a real phone stored in E.164."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from needlepoint.clinic.clients import identity, phones, services
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.errors import InvalidInput
from tests.conftest import ClinicWorld

TODAY = date(2026, 6, 1)


@given(st.dates(min_value=date(1906, 6, 2), max_value=TODAY))
def test_every_birthday_within_120_years_up_to_today_is_fine(dob: date) -> None:
    assert identity.dob_problem(dob, TODAY) is None


@given(st.dates(min_value=TODAY + timedelta(days=1), max_value=date(2199, 12, 31)))
def test_a_future_birthday_is_refused(dob: date) -> None:
    assert "future" in (identity.dob_problem(dob, TODAY) or "")


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(1906, 5, 31)))
def test_more_than_120_years_is_refused(dob: date) -> None:
    assert "120 years" in (identity.dob_problem(dob, TODAY) or "")


def test_29_february_today_is_handled() -> None:
    assert identity.dob_problem(date(1904, 3, 1), date(2024, 2, 29)) is None


@given(
    st.integers(min_value=0, max_value=999),
    st.sampled_from(["+44 7700 9{:05d}", "07700 9{:05d}", "00447700-9{:05d}"]),
)
def test_spellings_of_one_uk_mobile_are_one_e164(n: int, spelling: str) -> None:
    assert phones.to_e164(spelling.format(n), "GB") == f"+4477009{n:05d}"


@given(st.sampled_from(["US", "GB", "FR", "DE", "AU", "IE"]))
def test_example_numbers_round_trip_through_display(region: str) -> None:
    sample = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    e164 = phonenumbers.format_number(sample, phonenumbers.PhoneNumberFormat.E164)
    shown = phones.display(e164, region)
    assert not shown.startswith("+")  # national in the clinic's own country
    assert phones.to_e164(shown, region) == e164


@given(st.text(max_size=12))
def test_text_is_a_number_or_a_clear_refusal(text: str) -> None:
    try:
        value = phones.to_e164(text, "GB")
    except phones.InvalidPhone as exc:
        assert str(exc)
    else:
        assert phones.is_e164(value)


def test_region_is_the_first_locations_country_else_the_locale(clinic_a: ClinicWorld) -> None:
    assert phones.default_region(clinic_a.clinic) == "GB"  # type: ignore[arg-type]  # no country: en-GB
    loc: Any = clinic_a.location
    loc.country = "us"
    loc.save()
    assert phones.default_region(clinic_a.clinic) == "US"  # type: ignore[arg-type]
    c = services.save_client(
        Client(
            clinic=clinic_a.clinic,
            first_name="A",
            last_name="B",
            date_of_birth=date(1980, 1, 1),
            phone="(212) 555-0199",
        ),
        consent_changed=False,
    )
    assert c.phone == "+12125550199"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date_of_birth", date(2199, 1, 1)),
        ("date_of_birth", date(1900, 1, 2)),
        ("phone", "+44 1"),
        ("phone", "0123"),
    ],
)
def test_the_service_refuses_with_the_field(clinic_a: ClinicWorld, field: str, value: object) -> None:
    c = Client(clinic=clinic_a.clinic, first_name="A", last_name="B", date_of_birth=date(1980, 1, 1))
    setattr(c, field, value)
    with pytest.raises(InvalidInput) as refused:
        services.save_client(c, consent_changed=False)
    assert list(refused.value.fields) == [field]

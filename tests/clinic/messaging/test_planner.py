"""The planner and quiet hours are pure: no database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from needlepoint.clinic.messaging.models import Channel, Kind
from needlepoint.clinic.messaging.planner import Consent, SessionFacts, plan_messages
from needlepoint.clinic.messaging.quiet import defer_past_quiet_hours
from needlepoint.protocol import default_protocol

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")
EMAIL_ONLY = Consent(email="a@example.com", phone="+447700900000", consent_email=True)
PAST = datetime(2020, 1, 1, tzinfo=UTC)


def _facts(start_local: datetime, **kw: object) -> SessionFacts:
    start = start_local.astimezone(UTC)
    defaults: dict[str, object] = dict(
        start=start,
        arrival=start - timedelta(minutes=45),
        end=start + timedelta(hours=1),
        timezone=str(start_local.tzinfo),
        numbing_minutes=45,
        numbing_at_home=False,
        is_last_of_series=False,
    )
    defaults.update(kw)
    return SessionFacts(**defaults)  # type: ignore[arg-type]


def _by_kind(planned: list) -> dict[str, datetime]:  # type: ignore[type-arg]
    return {p.kind: p.due_at for p in planned if p.channel == Channel.EMAIL}


def test_reminders_and_aftercare_follow_the_protocol_offsets() -> None:
    s = _facts(datetime(2027, 6, 15, 14, 0, tzinfo=LONDON), numbing_at_home=True, is_last_of_series=True)
    due = _by_kind(plan_messages(s, default_protocol().data.aftercare, EMAIL_ONLY, now=PAST))
    assert due[Kind.REMINDER_48H] == s.start - timedelta(hours=48)
    assert due[Kind.REMINDER_24H] == s.start - timedelta(hours=24)
    # numbing at 13:15 for 14:00; the reminder 45 minutes before that
    assert due[Kind.NUMBING].astimezone(LONDON).time() == time(12, 30)
    assert due[Kind.AFTERCARE] == s.end
    aftercare = default_protocol().data.aftercare
    assert due[Kind.MAKEUP_OK] == s.end + timedelta(hours=aftercare["light_makeup"].starts_after_hours)
    assert due[Kind.ACTIVES_OK] == s.end + timedelta(hours=aftercare["avoid_actives"].ends_after_hours or 0)
    assert due[Kind.CHECKIN] == s.end + timedelta(hours=48)
    assert Kind.REVIEW in due and Kind.TOUCH_UP in due
    planned = plan_messages(s, aftercare, EMAIL_ONLY, now=PAST)
    numbing = next(p for p in planned if p.kind == Kind.NUMBING)
    assert numbing.context["numbing_clock"] == "13:15" and numbing.context["session_clock"] == "14:00"
    assert "No make-up" in numbing.context["aftercare"]


def test_dst_london_reminders_keep_the_local_clock_time() -> None:
    # British Summer Time starts on Sunday 28 March 2027 at 01:00 UTC.
    s = _facts(datetime(2027, 3, 29, 10, 0, tzinfo=LONDON))
    due = _by_kind(plan_messages(s, default_protocol().data.aftercare, EMAIL_ONLY, now=PAST))
    r48 = due[Kind.REMINDER_48H].astimezone(LONDON)
    r24 = due[Kind.REMINDER_24H].astimezone(LONDON)
    assert (r48.date().isoformat(), r48.time()) == ("2027-03-27", time(10, 0))  # GMT, 47 real hours
    assert (r24.date().isoformat(), r24.time()) == ("2027-03-28", time(10, 0))
    assert s.start - due[Kind.REMINDER_48H] == timedelta(hours=47)
    msg = plan_messages(s, default_protocol().data.aftercare, EMAIL_ONLY, now=PAST)[0]
    assert msg.context["session_time"] == "Monday 29 March 2027 at 10:00"


def test_dst_new_york_reminders_keep_the_local_clock_time() -> None:
    # US daylight time starts Sunday 14 March 2027; and ends Sunday 7 November 2027.
    spring = _facts(datetime(2027, 3, 15, 9, 30, tzinfo=NEW_YORK))
    fall = _facts(datetime(2027, 11, 8, 9, 30, tzinfo=NEW_YORK))
    for s, real_hours in ((spring, 47), (fall, 49)):
        due = _by_kind(plan_messages(s, default_protocol().data.aftercare, EMAIL_ONLY, now=PAST))
        assert due[Kind.REMINDER_48H].astimezone(NEW_YORK).time() == time(9, 30)
        assert s.start - due[Kind.REMINDER_48H] == timedelta(hours=real_hours)


def test_consent_decides_the_channels() -> None:
    s = _facts(datetime(2027, 6, 15, 14, 0, tzinfo=LONDON))
    aftercare = default_protocol().data.aftercare
    assert plan_messages(s, aftercare, Consent("a@x.com", "+1555", False, False), now=PAST) == []
    sms_only = plan_messages(s, aftercare, Consent("a@x.com", "+1555", False, True), now=PAST)
    assert sms_only and {p.channel for p in sms_only} == {Channel.SMS}
    assert {p.kind for p in sms_only} <= {Kind.REMINDER_24H, Kind.CHECKIN, Kind.NUMBING, Kind.NEXT_SESSION}
    # consent without an address sends nothing on that channel
    assert plan_messages(s, aftercare, Consent("", "", True, True), now=PAST) == []


def test_messages_already_due_in_the_past_are_not_planned() -> None:
    s = _facts(datetime(2027, 6, 15, 14, 0, tzinfo=LONDON))
    due = _by_kind(
        plan_messages(s, default_protocol().data.aftercare, EMAIL_ONLY, now=s.start - timedelta(hours=30))
    )
    assert Kind.REMINDER_48H not in due and Kind.REMINDER_24H in due


def test_quiet_hours_defer_across_midnight_in_local_time() -> None:
    start, end = time(21, 0), time(8, 0)
    late = datetime(2027, 6, 15, 22, 30, tzinfo=LONDON).astimezone(UTC)
    assert defer_past_quiet_hours(late, "Europe/London", start, end) == datetime(
        2027, 6, 16, 8, 0, tzinfo=LONDON
    )
    early = datetime(2027, 6, 16, 3, 0, tzinfo=LONDON).astimezone(UTC)
    assert defer_past_quiet_hours(early, "Europe/London", start, end) == datetime(
        2027, 6, 16, 8, 0, tzinfo=LONDON
    )
    noon = datetime(2027, 6, 16, 12, 0, tzinfo=LONDON).astimezone(UTC)
    assert defer_past_quiet_hours(noon, "Europe/London", start, end) == noon
    # the same UTC instant is quiet in New York (evening) but not in London (early morning)
    instant = datetime(2027, 6, 16, 2, 0, tzinfo=UTC)  # 03:00 London, 22:00 New York
    assert defer_past_quiet_hours(instant, "America/New_York", start, end).astimezone(NEW_YORK) == datetime(
        2027, 6, 16, 8, 0, tzinfo=NEW_YORK
    )
    # a quiet night with the clocks going forward ends at 08:00 BST = 07:00 UTC
    dst_night = datetime(2027, 3, 27, 23, 30, tzinfo=UTC)
    assert defer_past_quiet_hours(dst_night, "Europe/London", start, end) == datetime(
        2027, 3, 28, 7, 0, tzinfo=UTC
    )


def test_daytime_quiet_window_and_disabled_window() -> None:
    t = datetime(2027, 6, 16, 12, 30, tzinfo=LONDON).astimezone(UTC)
    assert defer_past_quiet_hours(t, "Europe/London", time(12), time(14)) == datetime(
        2027, 6, 16, 14, 0, tzinfo=LONDON
    )
    assert defer_past_quiet_hours(t, "Europe/London", time(8), time(8)) == t


def test_a_reminder_that_quiet_hours_would_push_past_the_session_goes_the_evening_before() -> None:
    from needlepoint.clinic.messaging.quiet import schedule_outside_quiet_hours

    session = datetime(2027, 6, 16, 8, 0, tzinfo=LONDON).astimezone(UTC)
    numbing_reminder = datetime(2027, 6, 16, 6, 30, tzinfo=LONDON).astimezone(UTC)
    at = schedule_outside_quiet_hours(
        numbing_reminder, "Europe/London", time(21), time(8), must_precede=session
    )
    assert at.astimezone(LONDON) == datetime(2027, 6, 15, 20, 59, tzinfo=LONDON)
    # without a deadline it is simply deferred to the end of quiet hours
    assert schedule_outside_quiet_hours(numbing_reminder, "Europe/London", time(21), time(8)) == session

"""Fuzz every write and every filter (issue 21's defence for findings 10 and 11).

Every route of the URL conf (web pages, portal, API operations from the OpenAPI document) gets
generated hostile values — Unicode digits ('²', '٣'), control characters, ids past 2^63,
zero/negative/huge numbers, dates in year 1 and 9999 and inside a DST gap, long strings, wrong
types, the other clinic's ids — as each role (owner, practitioner, front desk, a client in the
portal, anonymous): in GET query parameters and in POST form fields (the fields of the page's
own forms where the page shows one, else the names the views read) or JSON bodies (the
operation's schema). Asserted, per request:

- no 5xx (the exception is reported with its route, role and values);
- a refusal (4xx) carries a message (HTML text, the API's JSON error, or 405's Allow header);
- a refused write changed nothing: key tables keep their row counts.

One world (both clinics, every kind of object) is built once; each request runs in a savepoint
that is rolled back, so the world is the same for every request and counts are compared to one
baseline. Examples per route and role are few (FUZZ_EXAMPLES, default 2) and derandomized, so
the run is short and repeatable; the counts are printed at the end of the run (visible without
-s) for the issue's note."""

from __future__ import annotations

import json
import os
import re
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.html import strip_tags
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import needlepoint
from tests.api.conftest import token_for
from tests.api.worlds import TREATED_AT, journey_objects
from tests.conftest import ClinicWorld

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1"))
#: Fields of a form tried one at a time with each SINGLE_VALUES value (the first, alphabetically).
SINGLE_FIELDS = int(os.environ.get("FUZZ_SINGLE_FIELDS", "8"))
STAFF_ROLES = ("owner", "practitioner", "front_desk")
ROLES = (*STAFF_ROLES, "portal_client", "anonymous")

# Hostile values, as they arrive in a query string or a form (text). The other clinic's ids
# are added per run.
HOSTILE: list[str] = [
    "²", "٣", "1²", "١٢", "Ⅻ", "\x00", "a\r\nb", "\r\n", "\x1b[2J", "\u2028", "\u202e", "\t",
    str(2**63 - 1), str(2**63), str(2**64), "-9223372036854775809", "-1", "0", "-0", "999999999999",
    "1e309", "1e3", "NaN", "Infinity", "0x10", "3.5", "1_000",
    "0001-01-01", "9999-12-31", "0000-00-00", "2027-02-30", "1899-12-31", "2200-01-01",
    "2027-03-28T01:30", "2027-03-28", "01:30", "2026-11-01T01:30", "0001-01-01T00:00",
    "9999-12-31T23:59", "24:00", "25:61", "T", "2027-01-12T10:00:00+25:00",
    "", " ", "x" * 5000, "é" * 300, "true", "on", "[]", "{}", "null", "' OR 1=1 --",
    "<script>alert(1)</script>", "{{ 7*7 }}", "%00", "../../etc/passwd", "http://127.0.0.1:99999/",
]  # fmt: skip
#: Swept through every field of every route by the role that may use it (the rest are sampled).
CORE: list[str] = [
    "²", "٣", "a\r\nb\x00", str(2**63), str(2**64), "-1", "0", "999999999999", "1e309",
    "0001-01-01", "9999-12-31", "2027-03-28T01:30", "9999-12-31T23:59", "0001-01-01T00:00", "x" * 3000,
]  # fmt: skip
SINGLE_VALUES = [str(2**64), "9999-12-31", "a\r\nb"]
JSON_CORE: list[Any] = [
    "²", "٣", 2**63, 2**64, -1, 0, 999999999999, 1e308, "a\r\nb", "", "0001-01-01", "9999-12-31",
    "9999-12-31T23:59:59+00:00", "2027-03-28T01:30:00", [], {},
]  # fmt: skip
JSON_HOSTILE: list[Any] = [
    2**63, 2**64, -(2**63) - 1, -1, 0, 1e308, -1e308, 3.5, True, None, [], {}, [1, "a"],
    {"a": 1}, "²", "٣", "a\r\nb", "\x00", "", " ", "x" * 5000, "0001-01-01", "9999-12-31",
    "2027-03-28T01:30:00", "9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00Z", "NaN",
]  # fmt: skip

# Names views read from the query string or forms, beyond the fields their pages show.
SRC = Path(needlepoint.__file__).parent
_READ = re.compile(r"(?:GET|POST)(?:\.get|\.getlist)?\(\s*\"([a-z_]+)\"|(?:GET|POST)\[\"([a-z_]+)\"\]")
COMMON_NAMES = sorted(
    {a or b for p in SRC.rglob("*.py") for a, b in _READ.findall(p.read_text())}
    | {"client", "location", "practitioner", "date", "since", "until", "page", "q", "id", "pk", "name"}
)
# Tables a refused write must leave alone (the audit trail and sessions legitimately grow).
KEY_MODELS = [
    "clients.Client", "clinics.Location", "clinics.Room", "clinics.Device", "booking.Appointment",
    "booking.AppointmentType", "booking.BookingPolicy", "booking.TimeOff", "booking.WaitlistEntry",
    "accounts.Membership", "accounts.ApiToken", "intake.Intake", "plans.TreatmentPlan",
    "treatments.Chart", "treatments.ChartEntry", "treatments.NumbingApplication", "treatments.Lot",
    "outcomes.AdverseEvent", "reviews.Review",
]  # fmt: skip


# --- the world ----------------------------------------------------------------------------------


@dataclass
class World:
    a: ClinicWorld
    b: ClinicWorld
    ids: dict[str, int]  # model name (lower case) or journey key -> an id of clinic A
    other_ids: list[int]  # clinic B's ids
    tokens: dict[str, str]
    baseline: dict[str, int] = field(default_factory=dict)


def _first_ids(world: ClinicWorld) -> dict[str, int]:
    out: dict[str, int] = {}
    for model in apps.get_models():
        if not model.__module__.startswith("needlepoint.") or not hasattr(model, "clinic_id"):
            continue
        pk = (
            model._default_manager.filter(clinic=world.clinic)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is not None:
            out[model.__name__.lower()] = pk
    return out


def _counts() -> dict[str, int]:
    return {label: apps.get_model(label)._default_manager.count() for label in KEY_MODELS}


# --- route enumeration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WebRoute:
    name: str
    pattern: str  # e.g. "appointments/<int:pk>/move/"
    params: tuple[tuple[str, str], ...]  # (converter, name)


def web_routes(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[WebRoute]:
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if str(entry.pattern).startswith("api/"):
                continue  # the API is fuzzed from its OpenAPI document below
            yield from web_routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            pattern = prefix + str(entry.pattern)
            params = tuple(re.findall(r"<(?:(\w+):)?(\w+)>", pattern))
            yield WebRoute(entry.name, pattern, params)


def _guess_id(route: WebRoute, key: str, world: World) -> int:
    """A real id of clinic A for the path parameter, guessed from its name (client_pk → client)
    or the route's (adverse-event-detail → adverseevent); any id of A otherwise."""
    names = [key.removesuffix("_pk").replace("_", "")] if key != "pk" else []
    tokens = route.name.split("-")
    names += ["".join(tokens[:n]) for n in range(len(tokens), 0, -1)]
    aliases = {"staff": "membership", "numbing": "numbingapplication", "event": "adverseevent"}
    for name in names:
        for candidate in (aliases.get(name, name), name.removesuffix("s")):
            hits = [v for k, v in world.ids.items() if k == candidate or k.startswith(candidate)]
            if hits:
                return hits[0]
    return next(iter(world.ids.values()))


def _path(route: WebRoute, values: dict[str, str]) -> str:
    path = "/" + route.pattern
    for converter, key in route.params:
        path = re.sub(rf"<(?:{converter}:)?{key}>", values[key], path)
    return path


# --- form discovery -------------------------------------------------------------------------------


class _Forms(HTMLParser):
    """action path → {field name: a value the page offers}, for each <form> in a page."""

    def __init__(self, page_path: str) -> None:
        super().__init__()
        self.page_path = page_path
        self.forms: dict[tuple[str, str], dict[str, str]] = {}
        self.current: dict[str, str] | None = None
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = a.get("action") or self.page_path
            self.current = self.forms.setdefault(((a.get("method") or "get").lower(), action), {})
        elif self.current is not None and tag in ("input", "textarea", "select") and a.get("name"):
            name = a["name"]
            kind = a.get("type")
            keep = kind not in ("checkbox", "radio") or "checked" in a or name not in self.current
            if name != "csrfmiddlewaretoken" and kind != "file" and keep:
                self.current[name] = a.get("value", "")
            self.select = name if tag == "select" else None
        elif (
            tag == "option"
            and self.current is not None
            and self.select
            and (not self.current.get(self.select) or "selected" in a)
        ):
            self.current[self.select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


# --- one request ----------------------------------------------------------------------------------


@dataclass
class Tally:
    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    routes: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)

    def fail(self, kind: str, where: str, detail: str) -> None:
        if len(self.failures) < 200:
            self.failures.append(f"{kind}: {where}\n{detail}")


TALLY = Tally()


def _message_of(response: Any) -> str:
    if response.status_code == 405:
        return response.get("Allow", "")
    content_type = response.get("Content-Type", "")
    if content_type.startswith("application/json"):
        try:
            return str(
                response.json().get("error", {}).get("message") or response.json().get("message") or ""
            )
        except ValueError:
            return ""
    if getattr(response, "streaming", False):
        return "streamed"
    return strip_tags(response.content.decode(errors="replace")).strip()


def _send(
    world: World,
    http: Client,
    cookies: SimpleCookie,
    where: str,
    call: Callable[[], Any],
    write: bool,
) -> Any:
    """Send in a rolled-back savepoint; record and check the answer."""
    http.cookies = SimpleCookie(cookies)
    response = None
    try:
        with transaction.atomic():
            response = call()
            refused = response.status_code >= 400
            after = _counts() if write and refused else None
            transaction.set_rollback(True)
    except Exception as exc:  # a 500: Django's test client re-raises the view's exception
        TALLY.statuses[500] += 1
        TALLY.fail("server error", where, "".join(traceback.format_exception(exc)[-6:]))
        return None
    TALLY.statuses[response.status_code] += 1
    if response.status_code >= 500:
        TALLY.fail("server error", where, f"status {response.status_code}")
    elif response.status_code >= 400 and not _message_of(response):
        TALLY.fail("4xx without a message", where, f"status {response.status_code}")
    if after is not None and after != world.baseline:
        changed = {k: (world.baseline[k], v) for k, v in after.items() if v != world.baseline[k]}
        TALLY.fail("refused write changed rows", where, f"status {response.status_code}: {changed}")
    return response


def _clients(world: World) -> dict[str, tuple[Client, SimpleCookie]]:
    from needlepoint.portal.session import SESSION_KEY

    out: dict[str, tuple[Client, SimpleCookie]] = {}
    for role in ROLES:
        http = Client()
        if role in STAFF_ROLES:
            http.force_login(world.a.users[role])  # type: ignore[arg-type]
        elif role == "portal_client":
            from django.contrib.sessions.backends.db import SessionStore

            store = SessionStore()
            store[SESSION_KEY] = {"client": world.a.client.pk, "clinic": world.a.clinic.pk}  # type: ignore[attr-defined]
            store.save()
            http.cookies[django_settings.SESSION_COOKIE_NAME] = store.session_key or ""
        out[role] = (http, SimpleCookie(http.cookies))
    return out


def _text_values(world: World) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE + [str(i) for i in world.other_ids]),
        st.text(max_size=40),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
    )


def _mutated(base: dict[str, str], values: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, str]]:
    """The page's own values with some (at least one) replaced by hostile ones."""
    names = sorted(base)
    if not names:
        return st.just({})

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, str]:
        chosen = draw(st.sets(st.sampled_from(names), min_size=1, max_size=min(4, len(names))))
        return {n: draw(values) if n in chosen else base[n] for n in names}

    return build()


SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


# --- the test -------------------------------------------------------------------------------------


@pytest.fixture
def world(
    clinic_a: ClinicWorld,
    clinic_b: ClinicWorld,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    tmp_path: Path,
) -> World:
    from needlepoint import clock

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    monkeypatch.setattr(clock, "now", lambda: TREATED_AT)
    a_objects = journey_objects(clinic_a)
    b_objects = journey_objects(clinic_b)
    ids = {k.strip("_"): v for k, v in a_objects.items()} | _first_ids(clinic_a)
    other = sorted({v for v in b_objects.values() if isinstance(v, int)} | set(_first_ids(clinic_b).values()))
    tokens = {role: token_for(clinic_a, role) for role in STAFF_ROLES}
    w = World(clinic_a, clinic_b, ids, other, tokens)
    w.baseline = _counts()
    return w


def _fuzz_web(world: World) -> None:
    clients = _clients(world)
    routes = [r for r in web_routes() if r.name not in ("logout", "portal-logout")]
    real_paths: dict[str, str] = {}
    forms: dict[str, dict[str, str]] = {}  # path → field → value, from every page's forms
    get_fields: dict[str, dict[str, str]] = {}
    for route in routes:
        path = _path(route, {k: _real_param(route, c, k, world) for c, k in route.params})
        real_paths[route.name] = path
        http, cookies = clients[_sweeper(route)]
        http.cookies = SimpleCookie(cookies)
        response = http.get(path)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            parser = _Forms(path)
            parser.feed(response.content.decode(errors="replace"))
            for (method, action), fields in parser.forms.items():
                target = get_fields if method == "get" else forms
                target.setdefault(action.split("?")[0], {}).update(fields)
    values = _text_values(world)
    for route in routes:
        path = real_paths[route.name]
        post_base = forms.get(path) or dict.fromkeys(COMMON_NAMES, "1")
        get_base = get_fields.get(path, {})
        TALLY.routes.add(f"web {route.name}")
        for role in ROLES:
            http, cookies = clients[role]
            _fuzz_web_route(
                world, _Caller(world, role, http, cookies), route, path, get_base, post_base, values
            )


@dataclass
class _Caller:
    world: World
    role: str
    http: Client
    cookies: SimpleCookie

    def get(self, target: str, query: dict[str, str]) -> None:
        TALLY.requests[f"GET {self.role}"] += 1
        where = f"GET {target} as {self.role} {query!r}"[:600]
        _send(self.world, self.http, self.cookies, where, lambda: self.http.get(target, query), False)

    def post(self, target: str, data: dict[str, str]) -> None:
        TALLY.requests[f"POST {self.role}"] += 1
        where = f"POST {target} as {self.role} {data!r}"[:600]
        _send(self.world, self.http, self.cookies, where, lambda: self.http.post(target, data), True)


def _fuzz_web_route(
    world: World,
    caller: _Caller,
    route: WebRoute,
    path: str,
    get_base: dict[str, str],
    post_base: dict[str, str],
    values: st.SearchStrategy[str],
) -> None:
    examples = EXAMPLES
    if caller.role == _sweeper(route):
        # The page's own values kept for its GET form (the location select stays valid while
        # `date` is 9999-12-31), every other name the views read set to the value.
        methods = _methods(caller.http, caller.cookies, path, post_base)
        for value in [*CORE, *(str(i) for i in world.other_ids[:2])]:
            if "GET" in methods:
                caller.get(path, get_base | {n: value for n in COMMON_NAMES if n not in get_base})
            if "POST" in methods:
                caller.post(path, dict.fromkeys(post_base, value))
        for value in SINGLE_VALUES if "POST" in methods else ():
            # One field at a time, the others valid (a service runs only on valid forms).
            for name in sorted(post_base)[:SINGLE_FIELDS]:
                caller.post(path, post_base | {name: value})
        examples = EXAMPLES * 2

    @settings(SETTINGS, max_examples=examples)
    @given(
        query=_mutated(get_base | dict.fromkeys(COMMON_NAMES, ""), values),
        path_values=_path_values(route, world),
    )
    def get(query: dict[str, str], path_values: dict[str, str]) -> None:
        caller.get(_path(route, path_values) if path_values else path, query)

    @settings(SETTINGS, max_examples=examples)
    @given(data=_mutated(post_base, values), path_values=_path_values(route, world))
    def post(data: dict[str, str], path_values: dict[str, str]) -> None:
        caller.post(_path(route, path_values) if path_values else path, data)

    get()
    post()


def _methods(http: Client, cookies: SimpleCookie, path: str, data: dict[str, str]) -> set[str]:
    """The methods a route takes (a 405 says it does not), tried in rolled-back savepoints."""
    out = set()
    for method in ("GET", "POST"):
        http.cookies = SimpleCookie(cookies)
        try:
            with transaction.atomic():
                response = http.get(path) if method == "GET" else http.post(path, data)
                transaction.set_rollback(True)
        except Exception:
            response = None
        if response is None or response.status_code != 405:
            out.add(method)
    return out


def _sweeper(route: WebRoute) -> str:
    """The role that gets the full sweep of a route: the portal's client, else the owner."""
    return "portal_client" if route.pattern.startswith("portal/") else "owner"


def _real_param(route: WebRoute, converter: str, key: str, world: World) -> str:
    if converter == "slug" or key == "slug":
        return str(world.a.clinic.slug)  # type: ignore[attr-defined]
    if converter in ("int", ""):
        return str(_guess_id(route, key, world)) if converter == "int" else "x"
    return "x"


def _path_values(route: WebRoute, world: World) -> st.SearchStrategy[dict[str, str]]:
    """Mostly the real path (empty dict); sometimes huge ids, the other clinic's, odd slugs."""
    if not route.params:
        return st.just({})
    real = {k: _real_param(route, c, k, world) for c, k in route.params}

    def odd(converter: str) -> st.SearchStrategy[str]:
        if converter == "int":
            return st.sampled_from([str(2**63), str(2**64), "0", *(str(i) for i in world.other_ids[:5])])
        if converter == "slug":
            return st.sampled_from([str(world.b.clinic.slug), "no-such-clinic", "a" * 300])  # type: ignore[attr-defined]
        return st.sampled_from(["²", "x" * 300, "%0d%0a", ".."])

    return st.one_of(
        st.just({}),
        st.fixed_dictionaries({k: odd(c) for c, k in route.params}).map(lambda d: {**real, **d}),
    )


# --- the API, from its OpenAPI document --------------------------------------------------------------


def _resolve(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _fuzz_api(world: World) -> None:
    from needlepoint.api.api import api

    doc = api.get_openapi_schema()
    http = Client()
    values = _text_values(world)
    json_values = st.one_of(st.sampled_from(JSON_HOSTILE + list(world.other_ids)), values)
    for template, operations in doc["paths"].items():
        for method, op in operations.items():
            TALLY.routes.add(f"api {method.upper()} {template}")
            for role in (*STAFF_ROLES, "anonymous"):
                _fuzz_api_operation(world, http, doc, template, method, op, role, values, json_values)


def _fuzz_api_operation(
    world: World,
    http: Client,
    doc: dict[str, Any],
    template: str,
    method: str,
    op: dict[str, Any],
    role: str,
    values: st.SearchStrategy[str],
    json_values: st.SearchStrategy[Any],
) -> None:
    path_names = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
    query_names = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
    content = (op.get("requestBody") or {}).get("content", {})
    body_schema = content.get("application/json", {}).get("schema")
    props = sorted(_resolve(body_schema, doc).get("properties", {})) if body_schema else []
    headers = {"Authorization": f"Bearer {world.tokens[role]}"} if role in world.tokens else {}
    real_ids = {n: str(world.ids.get(n, world.ids.get(n.removesuffix("_id"), 1))) for n in path_names}

    def send(ids: dict[str, str], query: dict[str, Any], body: dict[str, Any]) -> None:
        path = template
        for name, value in ids.items():
            path = path.replace("{" + name + "}", _quote(value))
        TALLY.requests[f"API {role}"] += 1
        where = f"{method.upper()} {path} as {role} q={query!r} body={body!r}"[:600]
        if method == "get":
            response = _send(
                world, http, SimpleCookie(), where, lambda: http.get(path, query, headers=headers), False
            )
        else:
            payload = json.dumps(body, default=str)

            def call() -> Any:
                return http.generic(
                    method.upper(), path + _qs(query), payload, "application/json", headers=headers
                )

            response = _send(world, http, SimpleCookie(), where, call, True)
        json_answer = response is not None and response.get("Content-Type", "").startswith("application/json")
        if response is not None and response.status_code >= 400 and not json_answer:
            TALLY.fail("API error not JSON", where, f"status {response.status_code}")

    examples = EXAMPLES
    if role == "owner":  # the sweep: every query parameter, then every body field, set to each value
        for value in [*JSON_CORE, *world.other_ids[:2]]:
            if query_names:
                send(real_ids, dict.fromkeys(query_names, value), {})
            if props:
                send(real_ids, {}, dict.fromkeys(props, value))
        examples = EXAMPLES * 2

    @settings(SETTINGS, max_examples=examples)
    @given(
        ids=st.fixed_dictionaries({n: st.one_of(st.just(real_ids[n]), values) for n in path_names}),
        query=st.dictionaries(st.sampled_from(query_names or ["x"]), values, max_size=3),
        body=st.fixed_dictionaries({}, optional=dict.fromkeys(props, json_values)) if props else st.just({}),
    )
    def fuzz(ids: dict[str, str], query: dict[str, str], body: dict[str, Any]) -> None:
        send(ids, query, body)

    fuzz()


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="") or "0"


def _qs(query: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return "?" + urlencode(query) if query else ""


def test_fuzz_every_route_as_every_role(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    _fuzz_web(world)
    _fuzz_api(world)
    total = sum(TALLY.requests.values())
    errors = TALLY.statuses.get(500, 0) + sum(v for k, v in TALLY.statuses.items() if k > 500)
    web = sum(1 for r in TALLY.routes if r.startswith("web "))
    summary = (
        f"\nfuzz: {web} web routes × {len(ROLES)} roles + {len(TALLY.routes) - web} API operations × 4 roles"
        f" → {total} requests; server errors: {errors}; failures: {len(TALLY.failures)}"
        f"\nfuzz: statuses {dict(sorted(TALLY.statuses.items()))}"
        f"\nfuzz: requests per method and role {dict(sorted(TALLY.requests.items()))}"
    )
    with capsys.disabled():
        print(summary)
    assert total > 1000
    assert not TALLY.failures, f"{len(TALLY.failures)} failures{summary}\n\n" + "\n\n".join(TALLY.failures)

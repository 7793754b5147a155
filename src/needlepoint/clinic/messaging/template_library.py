"""The only tags and filters a clinic's message template may use (the engine in templates.py loads
this library and nothing else). Each one's output grows at most linearly with the template and
its values: no loops, no padding (ljust, rjust, center), no format strings, no includes, no
{% load %}, no lorem, no debug."""

from __future__ import annotations

from django.template import Library, defaultfilters, defaulttags

register = Library()

ALLOWED_FILTERS = (
    "default",
    "default_if_none",
    "upper",
    "lower",
    "title",
    "capfirst",
    "date",
    "time",
    "truncatechars",
    "truncatewords",
    "yesno",
    "pluralize",
    "linebreaksbr",
)
# elif/else/endif/endwith/endcomment are parsed by their opening tag.
ALLOWED_TAGS = ("if", "with", "firstof", "comment", "now")

for _name in ALLOWED_FILTERS:
    register.filters[_name] = defaultfilters.register.filters[_name]
for _name in ALLOWED_TAGS:
    register.tags[_name] = defaulttags.register.tags[_name]

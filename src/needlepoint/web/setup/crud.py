"""List / create / edit views for the clinic's set-up tables (locations, rooms, devices, staff).
One shape, so one implementation; each table supplies its model, form and columns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from needlepoint.web.access import OWNER_ONLY, clinic_of, staff_view
from needlepoint.web.forms import ClinicScopedForm


@dataclass(frozen=True)
class Column:
    label: str
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class ScopedCrud:
    slug: str  # URL segment and URL-name prefix, e.g. "locations"
    title: str
    model: type[models.Model]
    form_class: type[ClinicScopedForm]
    columns: Sequence[Column]
    create_form_class: type[ClinicScopedForm] | None = None
    roles: tuple[str, ...] = OWNER_ONLY
    select_related: tuple[str, ...] = ()
    form_template: str = "crud/form.html"
    list_template: str = "crud/list.html"

    def queryset(self, request: HttpRequest) -> models.QuerySet[Any]:
        qs = self.model.objects.for_clinic(clinic_of(request))  # type: ignore[attr-defined]
        return qs.select_related(*self.select_related) if self.select_related else qs

    def list_view(self, request: HttpRequest) -> HttpResponse:
        # Each cell with its column's label: on a phone the table stacks, one labelled line a cell.
        rows = [(obj, [(c.label, c.value(obj)) for c in self.columns]) for obj in self.queryset(request)]
        return render(
            request,
            self.list_template,
            {
                "crud": self,
                "rows": rows,
                "headers": [c.label for c in self.columns],
            },
        )

    def form_view(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        instance = get_object_or_404(self.queryset(request), pk=pk) if pk is not None else None
        form_class = self.form_class if instance else (self.create_form_class or self.form_class)
        form = form_class(request.POST or None, instance=instance, clinic=clinic_of(request))
        if request.method == "POST" and form.is_valid():
            form.save()
            messages.success(request, "Saved.")
            return redirect(f"{self.slug}-list")
        return render(
            request,
            self.form_template,
            {"crud": self, "form": form, "object": instance},
            status=400 if form.errors else 200,
        )

    def urls(self) -> list[Any]:
        guard = staff_view(*self.roles)
        list_view, form_view = guard(self.list_view), guard(self.form_view)
        for view in (list_view, form_view):
            view.scoped_model = self.model  # type: ignore[attr-defined]
        return [
            path(f"{self.slug}/", list_view, name=f"{self.slug}-list"),
            path(f"{self.slug}/new/", form_view, name=f"{self.slug}-create"),
            path(f"{self.slug}/<int:pk>/edit/", form_view, name=f"{self.slug}-edit"),
        ]

"""Set-up: the clinic's closures and each location's public holidays (owner only)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from needlepoint import clock
from needlepoint.clinic.clinics.closures import country_choices, holiday_problem, public_holidays
from needlepoint.clinic.clinics.models import Closure, Location
from needlepoint.clinic.clinics.selectors import clinic_zone
from needlepoint.web.access import OWNER_ONLY, clinic_of, staff_view
from needlepoint.web.forms import DATE, TIME, ClinicScopedForm, HardenedModelForm


class ClosureForm(ClinicScopedForm):
    class Meta:
        model = Closure
        fields = ["location", "first_day", "last_day", "start_time", "end_time", "reason"]
        widgets = {"first_day": DATE, "last_day": DATE, "start_time": TIME, "end_time": TIME}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        location = self.fields["location"]
        assert isinstance(location, forms.ModelChoiceField)
        location.empty_label = "Every location"
        location.queryset = location.queryset.filter(is_active=True)  # type: ignore[union-attr]

    def clean_reason(self) -> str:
        reason = " ".join(str(self.cleaned_data["reason"]).split())
        if not reason or any(ord(ch) < 32 for ch in reason):
            raise forms.ValidationError("Give a short reason on one line, e.g. 'Staff training'.")
        return reason


class HolidayForm(HardenedModelForm):
    country = forms.ChoiceField(required=False, label="Country")
    subdivision = forms.CharField(
        required=False,
        max_length=10,
        label="Region",
        help_text="e.g. NY, ENG, SCT; blank for national holidays",
    )

    class Meta:
        model = Location
        fields = ["country", "subdivision", "closed_on_public_holidays"]
        labels = {"closed_on_public_holidays": "Closed on public holidays"}

    def __init__(self, *args: Any, default_country: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = country_choices()
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [("", "— the clinic's country —"), *choices]
        if not self.instance.country and default_country:
            country.help_text = f"Blank uses the clinic's: {default_country}."

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        country = (data.get("country") or self.instance.holiday_country or "").upper()
        subdivision = (data.get("subdivision") or "").strip().upper()
        data["subdivision"] = subdivision
        if data.get("closed_on_public_holidays") or subdivision:
            if not country:
                self.add_error("country", "Choose the country whose public holidays apply.")
            elif problem := holiday_problem(country, subdivision):
                self.add_error("subdivision" if subdivision else "country", problem)
        return data


@staff_view(*OWNER_ONLY)
def closure_list(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    today = clock.today(clinic_zone(clinic))
    closures = Closure.objects.for_clinic(clinic).filter(last_day__gte=today).select_related("location")
    locations = list(Location.objects.for_clinic(clinic).filter(is_active=True).select_related("clinic"))
    sections = []
    for loc in locations:
        form = HolidayForm(instance=loc, prefix=f"loc{loc.pk}", default_country=loc.holiday_country)
        upcoming = public_holidays(loc, today, today + timedelta(days=365))[:12]
        sections.append((loc, form, upcoming))
    return render(request, "setup/closures.html", {"closures": closures, "sections": sections})


@require_POST
@staff_view(*OWNER_ONLY)
def location_holidays(request: HttpRequest, pk: int) -> HttpResponse:
    clinic = clinic_of(request)
    loc = get_object_or_404(Location.objects.for_clinic(clinic).select_related("clinic"), pk=pk)
    form = HolidayForm(request.POST, instance=loc, prefix=f"loc{loc.pk}", default_country=loc.holiday_country)
    if form.is_valid():
        form.save()
        messages.success(request, f"Public holidays saved for {loc.name}.")
        return redirect("closures-list")
    today = clock.today(clinic_zone(clinic))
    closures = Closure.objects.for_clinic(clinic).filter(last_day__gte=today).select_related("location")
    return render(
        request, "setup/closures.html", {"closures": closures, "sections": [(loc, form, [])]}, status=400
    )


@staff_view(*OWNER_ONLY)
def closure_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    clinic = clinic_of(request)
    instance = get_object_or_404(Closure.objects.for_clinic(clinic), pk=pk) if pk is not None else None
    form = ClosureForm(request.POST or None, instance=instance, clinic=clinic)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Closure saved.")
        return redirect("closures-list")
    return render(
        request,
        "setup/closure_form.html",
        {"form": form, "object": instance},
        status=400 if form.errors else 200,
    )


@require_POST
@staff_view(*OWNER_ONLY)
def closure_delete(request: HttpRequest, pk: int) -> HttpResponse:
    closure = get_object_or_404(Closure.objects.for_clinic(clinic_of(request)), pk=pk)
    closure.delete()
    messages.success(request, "Closure removed.")
    return redirect("closures-list")


urlpatterns = [
    path("closures/", closure_list, name="closures-list"),
    path("closures/new/", closure_form, name="closures-create"),
    path("closures/<int:pk>/edit/", closure_form, name="closures-edit"),
    path("closures/<int:pk>/delete/", closure_delete, name="closures-delete"),
    path("locations/<int:pk>/holidays/", location_holidays, name="location-holidays"),
]

"""Downloads: one client's record as FHIR R4 (clinical staff) and CSV exports (owners)."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render

from needlepoint import clock
from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.clients.models import Client
from needlepoint.interop import csv_export
from needlepoint.interop.fhir import build_bundle
from needlepoint.web.access import CLINICAL, OWNER_ONLY, clinic_of, staff_view


@staff_view(*CLINICAL)
def fhir_export(request: HttpRequest, client_pk: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.for_clinic(clinic_of(request)), pk=client_pk)
    bundle = build_bundle(client)
    record_access(AccessContext.from_request(request), client=client, action="fhir_export")
    response = HttpResponse(
        json.dumps(bundle, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1),
        content_type="application/fhir+json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="client-{client.pk}-fhir.json"'
    response["Cache-Control"] = "no-store"
    return response


@staff_view(*OWNER_ONLY)
def exports(request: HttpRequest) -> HttpResponse:
    return render(request, "interop/exports.html", {"kinds": list(csv_export.EXPORTS)})


@staff_view(*OWNER_ONLY)
def csv_download(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in csv_export.EXPORTS:
        raise Http404("No such export.")
    clinic = clinic_of(request)
    if kind == "appointments" and request.GET.get("future"):
        lines = csv_export.appointments_csv(clinic, since=clock.now())
    else:
        lines = csv_export.EXPORTS[kind](clinic)
    record_access(AccessContext.from_request(request), client=None, action=f"export_{kind}")
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{clinic.slug}-{kind}.csv"'
    response["Cache-Control"] = "no-store"
    return response  # type: ignore[return-value]  # streamed; staff_view's type names HttpResponse

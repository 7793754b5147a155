"""The owner's audit trail: changes to records and reads of client records."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from needlepoint.clinic.audit import selectors
from needlepoint.web.access import OWNER_ONLY, clinic_of, staff_view
from needlepoint.web.query import INVALID, query_id


@staff_view(*OWNER_ONLY)
def audit_log(request: HttpRequest) -> HttpResponse:
    tab = "reads" if request.GET.get("tab") == "reads" else "changes"
    clinic = clinic_of(request)
    if tab == "reads":
        qs = selectors.reads_for(clinic)
        client_id = query_id(request, "client")
        if client_id is INVALID:
            qs = qs.none()
        elif client_id is not None:
            qs = qs.filter(client_id=client_id)
    else:
        qs = selectors.changes_for(clinic)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "audit/log.html", {"tab": tab, "page": page})

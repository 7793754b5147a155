"""Client list, record, create and edit; archive (confirmed), unarchive, merge."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from needlepoint import clock
from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.booking.selectors import upcoming_for_client
from needlepoint.clinic.client_records import merge
from needlepoint.clinic.client_records import services as records
from needlepoint.clinic.clients import selectors, services
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.errors import DomainError
from needlepoint.clinic.permissions import Action
from needlepoint.web.access import ALL_STAFF, clinic_of, membership_of, staff_view
from needlepoint.web.errors import apply_to_form, messages_of
from needlepoint.web.query import INVALID, query_id

from .forms import ClientForm, DuplicateConfirmForm, MergeForm

PAGE_SIZE = 25
#: The list's "show" filter: archived clients are hidden unless asked for.
SHOW = {"active": "Active clients", "archived": "Archived clients", "all": "All clients"}


@staff_view(*ALL_STAFF)
def client_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    show = request.GET.get("show", "active")
    show = show if show in SHOW else "active"
    qs = selectors.search_clients(
        clinic_of(request), query, include_archived=show == "all", archived_only=show == "archived"
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    # A list of names is PHI too: one access entry per page shown.
    record_access(AccessContext.from_request(request), client=None, action="list")
    template = "clients/_rows.html" if request.htmx else "clients/list.html"  # type: ignore[attr-defined]
    return render(request, template, {"page": page, "q": query, "show": show, "shows": SHOW})


@staff_view(*ALL_STAFF)
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_for_read(AccessContext.from_request(request), pk)
    appointments = list(upcoming_for_client(client, clock.now()))
    for a in appointments:
        a.local_start = a.start.astimezone(ZoneInfo(a.location.timezone))  # type: ignore[attr-defined]
    return render(request, "clients/detail.html", {"client": client, "appointments": appointments})


@staff_view(*ALL_STAFF)
def client_create(request: HttpRequest) -> HttpResponse:
    """A possible duplicate (same email, phone, or name and date of birth) is shown with links;
    the record is created only when the user ticks "create anyway" (the input is kept)."""
    form = ClientForm(request.POST or None, clinic=clinic_of(request))
    confirm = DuplicateConfirmForm(request.POST or None)
    context = {"form": form, "confirm": confirm, "matches": []}
    if request.method == "POST" and form.is_valid() and confirm.is_valid():
        try:
            client = services.create_client(
                form.instance, allow_duplicate=bool(confirm.cleaned_data["confirm_duplicate"])
            )
        except services.DuplicateClient as exc:
            # Showing who matched reads their records: logged like a list.
            record_access(AccessContext.from_request(request), client=None, action="duplicates")
            context["matches"] = exc.matches
            return render(request, "clients/form.html", context, status=409)
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, f"{client.full_name} added.")
            return redirect("client-detail", pk=client.pk)
    return render(request, "clients/form.html", context, status=400 if form.errors else 200)


@staff_view(*ALL_STAFF)
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_for_read(AccessContext.from_request(request), pk)
    before = (client.consent_email, client.consent_sms)
    form = ClientForm(request.POST or None, instance=client, clinic=clinic_of(request))
    if request.method == "POST" and form.is_valid():
        updated = form.instance
        try:
            changed = before != (updated.consent_email, updated.consent_sms)
            services.save_client(updated, consent_changed=changed)
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect("client-detail", pk=client.pk)
    return render(
        request, "clients/form.html", {"form": form, "client": client}, status=400 if form.errors else 200
    )


@staff_view(action=Action.ARCHIVE_CLIENT)
def client_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for the confirmation; the POST of that page archives."""
    client = selectors.client_for_read(AccessContext.from_request(request), pk)
    if request.method == "POST":
        records.archive_client(client, actor=membership_of(request), now=clock.now())
        messages.success(request, f"{client.full_name} archived. An owner can unarchive it from its page.")
        return redirect("client-list")
    return render(request, "clients/archive_confirm.html", {"client": client})


@require_POST
@staff_view(action=Action.UNARCHIVE_CLIENT)
def client_unarchive(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_for_read(AccessContext.from_request(request), pk)
    try:
        records.unarchive_client(client, actor=membership_of(request), now=clock.now())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{client.full_name} is active again.")
    return redirect("client-detail", pk=client.pk)


@staff_view(action=Action.MERGE_CLIENTS)
def client_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge a duplicate into this client: pick it (the likely duplicates first, or search),
    see both side by side with what will move, and confirm."""
    ctx = AccessContext.from_request(request)
    keep = selectors.client_for_read(ctx, pk)
    if keep.merged_into_id is not None:
        messages.error(request, f"This record was merged into #{keep.merged_into_id}.")
        return redirect("client-detail", pk=keep.pk)
    if request.method == "POST":
        form = MergeForm(request.POST)
        if not form.is_valid():
            return _merge_page(request, keep, None, form, status=400)
        other = selectors.client_for_read(ctx, form.cleaned_data["other"])
        try:
            result = merge.merge_clients(keep, other, actor=membership_of(request), now=clock.now())
        except DomainError as exc:
            for message in messages_of(exc):
                messages.error(request, message)
            return redirect(f"{reverse('client-merge', kwargs={'pk': keep.pk})}?other={other.pk}")
        moved = sum(result.moved.values())
        messages.success(request, f"#{other.pk} {other.full_name} merged in: {moved} row(s) moved.")
        return redirect("client-detail", pk=keep.pk)
    other_id = query_id(request, "other")
    if other_id is INVALID:
        return _merge_page(request, keep, None, None, status=400)
    if other_id is None:
        return _merge_page(request, keep, None, None)
    other = selectors.client_for_read(ctx, other_id)
    return _merge_page(request, keep, other, MergeForm(initial={"other": other.pk}))


def _merge_page(
    request: HttpRequest, keep: Client, other: Client | None, form: MergeForm | None, status: int = 200
) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    context: dict[str, object] = {"keep": keep, "other": other, "form": form, "q": query}
    if other is None:
        context["matches"] = selectors.duplicates_of(keep)
        if query:
            found = selectors.search_clients(clinic_of(request), query, include_archived=True)
            context["found"] = list(found.exclude(pk=keep.pk).filter(merged_into__isnull=True)[:20])
            record_access(AccessContext.from_request(request), client=None, action="list")
    else:
        context["rows"] = merge.side_by_side(keep, other)
        context["same"] = keep.pk == other.pk
    return render(request, "clients/merge.html", context, status=status)

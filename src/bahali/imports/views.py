"""Import pages: upload, map the columns, the validation and duplicates report, run, undo.
Thin: services decide; imports of other organisations are 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bahali.accounts import policies
from bahali.accounts.models import Membership
from bahali.core.context import operation
from bahali.core.forms import apply_validation_error, message_form_errors, message_refusal
from bahali.core.http import AuthedRequest
from bahali.core.once import one_time_form
from bahali.core.versioning import Stale
from bahali.imports import review as review_services
from bahali.imports import services
from bahali.imports.forms import AcceptForm, MappingForm, RunForm, UndoForm, UploadForm
from bahali.imports.lookups import get_import_for_user, get_review_for_user
from bahali.imports.models import ImportBatch, ImportRow, ReviewCluster
from bahali.jobs.models import Job
from bahali.registry import services as registry
from bahali.registry.models import IdentityPurpose, Participant

PER_PAGE = 50
REVIEW_STATEMENT = "Batch review of possible duplicates found by an import"


def _organisation(request: AuthedRequest):  # type: ignore[no-untyped-def]
    membership = Membership.objects.filter(user=request.user).select_related("organisation").first()
    if membership is None:
        raise Http404
    return membership.organisation


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def import_list(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "import.write"):
        raise Http404
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["sheet"]
        try:
            batch = services.upload_sheet(
                actor=request.user,
                organisation=_organisation(request),
                filename=upload.name,
                content=upload.read(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("imports:map", batch.pk)
    batches = Paginator(ImportBatch.objects.visible_to(request.user), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "imports/list.html", {"form": form, "page": batches, "can_review": True})


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = get_import_for_user(request.user, pk)
    if batch.status != ImportBatch.Status.UPLOADED:
        return redirect("imports:report", batch.pk)
    sheet = services.sheet_of(batch)
    form = MappingForm(
        request.POST or None,
        headings=sheet.headings,
        initial_mapping=services.suggested_mapping(batch.organisation, sheet.headings),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.check_uploaded(actor=request.user, batch=batch, mapping=form.mapping())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("imports:report", batch.pk)
    return render(
        request,
        "imports/map.html",
        {"batch": batch, "form": form, "headings": sheet.headings, "preview": sheet.rows[:5]},
    )


@login_required
@require_GET
def report(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = get_import_for_user(request.user, pk)
    if batch.status == ImportBatch.Status.UPLOADED:
        return redirect("imports:map", batch.pk)
    refused = Paginator(batch.rows.filter(status=ImportRow.Status.REFUSED), PER_PAGE).get_page(
        request.GET.get("page")
    )
    clusters = [
        {
            **item,
            "pairs": [
                {**pair, "explained": services.explained(pair["reasons"])} for pair in item["pairs"]
            ],
        }
        for item in batch.clusters[:100]
    ]
    return render(
        request,
        "imports/report.html",
        {
            "batch": batch,
            "refused": refused,
            "clusters": clusters,
            "run_form": RunForm(),
            "undo_form": UndoForm(),
            "job": Job.objects.visible_to(request.user)
            .filter(kind="imports.people", operation=batch.operation_id)
            .first(),
            "built_on": services.built_on(batch)
            if batch.status == ImportBatch.Status.IMPORTED
            else [],
        },
    )


@login_required
@require_POST
def run(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = get_import_for_user(request.user, pk)
    form = RunForm(request.POST)
    if form.is_valid():
        try:
            job = services.start_import(
                actor=request.user, batch=batch, only_valid=form.cleaned_data["only_valid"]
            )
        except ValidationError as error:
            message_refusal(request, error)
        else:
            batch.refresh_from_db()
            if batch.status == ImportBatch.Status.IMPORTED:
                messages.success(
                    request, _("%(count)s people imported.") % {"count": batch.rows_imported}
                )
            else:
                return redirect(job.get_absolute_url())
    return redirect("imports:report", batch.pk)


@login_required
@require_POST
def undo(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = get_import_for_user(request.user, pk)
    form = UndoForm(request.POST)
    if not form.is_valid():
        message_form_errors(request, form)
        return redirect("imports:report", batch.pk)
    try:
        services.undo_import(actor=request.user, batch=batch, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        message_refusal(request, error)
    else:
        messages.success(request, _("The import was undone."))
    return redirect("imports:report", batch.pk)


# --- batch review of possible duplicates -----------------------------------------------


@login_required
@require_GET
def queue(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "import.write"):
        raise Http404
    waiting = ReviewCluster.objects.visible_to(request.user).filter(
        status=ReviewCluster.Status.OPEN
    )
    page = Paginator(waiting.only("pk", "score", "decision", "members", "batch_id"), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "imports/queue.html", {"page": page, "accept_form": AcceptForm()})


def _identities(request: AuthedRequest, review: ReviewCluster) -> list[dict[str, Any]]:
    people = list(
        Participant.objects.filter(pk__in=review.members).select_related("district").order_by("pk")
    )
    # every record's identity in a fixed number of queries and one audit append, however
    # large the cluster; another organisation's record shows its code only
    opened = registry.read_identities(
        actor=request.user,
        participants=people,
        purpose="duplicate_review",
        stated_purpose=IdentityPurpose.VERIFICATION,
        statement=REVIEW_STATEMENT,
    )
    shown = []
    for person in people:
        identity = opened.get(person.pk) or registry.Identity()
        shown.append(
            {
                "participant": person,
                "fields": [
                    (_("Name"), identity.name or identity.name_native),
                    (_("Father's name"), identity.father_name or identity.father_name_native),
                    (_("Year of birth"), identity.birth_year or ""),
                    (_("CNIC"), identity.cnic),
                    (_("District"), person.district.code),
                    (_("Sex"), person.get_sex_display()),
                ],
            }
        )
    if shown:  # a field whose values differ between the records is highlighted in each
        columns = list(zip(*(record["fields"] for record in shown), strict=True))
        differing = [len({str(value) for _label, value in column}) > 1 for column in columns]
        for record in shown:
            record["fields"] = [
                (label, value, differs)
                for (label, value), differs in zip(record["fields"], differing, strict=True)
            ]
    return shown


@login_required
@require_GET
def cluster_page(request: AuthedRequest, pk: int) -> HttpResponse:
    review = get_review_for_user(request.user, pk)
    waiting = ReviewCluster.objects.visible_to(request.user).filter(
        status=ReviewCluster.Status.OPEN
    )
    following = (
        waiting.filter(score__lt=review.score).values_list("pk", flat=True).first()
        or waiting.exclude(pk=review.pk).values_list("pk", flat=True).first()
    )
    pairs = [{**pair, "explained": services.explained(pair["reasons"])} for pair in review.pairs]
    return render(
        request,
        "imports/cluster.html",
        {
            "review": review,
            "records": _identities(request, review),
            "pairs": pairs,
            "next_pk": following,
        },
    )


@login_required
@require_POST
def decide(request: AuthedRequest, pk: int) -> HttpResponse:
    review = get_review_for_user(request.user, pk)
    verdict = request.POST.get("verdict", "")
    version = request.POST.get("version", "")
    if verdict not in {"same", "different"} or not version.isdigit():
        messages.error(request, _("Choose same person or different people."))
        return redirect("imports:cluster", review.pk)
    try:
        # the decision joins its import's operation: the import's trail shows what became of it
        with operation(review.batch.operation_id):
            review_services.decide_cluster(
                actor=request.user, review=review, same=verdict == "same", version=int(version)
            )
    except PermissionDenied:
        messages.error(request, _("You may not merge records of another organisation."))
        return redirect("imports:cluster", review.pk)
    except Stale:
        messages.error(request, _("Someone decided this cluster meanwhile; here is the next."))
    except ValidationError as error:
        message_refusal(request, error)
    following = (
        ReviewCluster.objects.visible_to(request.user)
        .filter(status=ReviewCluster.Status.OPEN)
        .values_list("pk", flat=True)
        .first()
    )
    if following:
        return redirect("imports:cluster", following)
    return redirect("imports:queue")


@login_required
@require_POST
def accept(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "import.write"):
        raise Http404
    form = AcceptForm(request.POST)
    if not form.is_valid():
        message_form_errors(request, form)
        return redirect("imports:queue")
    done = review_services.accept_above(request.user, form.cleaned_data["score"])
    messages.success(request, _("%(count)s clusters merged as the same person.") % {"count": done})
    return redirect("imports:queue")

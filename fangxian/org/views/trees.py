"""The administrative and the spatial tree: browse (children load lazily with htmx),
search, create, rename, move, archive, restore, delete, history."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.access import require_roles
from fangxian.core.params import id_param
from fangxian.core.views import error_text, form_errors

from .. import selectors, services
from ..access import ASSIGNMENT_READERS, TREE_READERS, TREE_WRITERS, assignable_roles, can_write, has_any, require_write
from ..forms import MoveForm, NodeForm, OnDateForm
from ..models import Place, Unit


def _tree_context(tree: str) -> dict:
    model = selectors.tree_model(tree)
    return {
        "tree": tree,
        "model": model,
        "tree_title": _("Administrative tree") if model is Unit else _("Spatial tree"),
        "url_prefix": tree,
    }


def _node(request, tree: str, pk: int):
    model = selectors.tree_model(tree)
    return selectors.get_visible(selectors.visible_nodes(request.user, model), pk=pk)


def _detail_url(node) -> str:
    return reverse("org:unit_detail" if isinstance(node, Unit) else "org:place_detail", args=[node.pk])


@require_roles(*TREE_READERS)
def tree(request, tree: str):
    """The top of the tree in the user's scope, or search results for `q`."""
    context = _tree_context(tree)
    q = request.GET.get("q", "").strip()
    archived = request.GET.get("archived") == "1"
    if q:
        context["results"] = selectors.search_nodes(request.user, context["model"], q)
    else:
        context["nodes"] = selectors.tree_roots(request.user, context["model"], archived=archived)
    context.update(q=q, archived=archived, can_edit=can_write(request.user, TREE_WRITERS))
    return render(request, "org/tree.html", context)


@require_roles(*TREE_READERS)
def children(request, tree: str, pk: int):
    """htmx partial: the children of a node, each with its own lazy expander."""
    node = _node(request, tree, pk)
    archived = request.GET.get("archived") == "1"
    context = {**_tree_context(tree), "nodes": selectors.node_children(request.user, node, archived=archived), "archived": archived}
    return render(request, "org/_tree_nodes.html", context)


@require_roles(*TREE_READERS)
def detail(request, tree: str, pk: int):
    node = _node(request, tree, pk)
    model = type(node)
    date_form = OnDateForm(request.GET or None)
    on = date_form.cleaned_data["on"] if date_form.is_valid() else None
    counted = selectors.with_counts(model.objects.filter(pk=node.pk), model).first()
    context = {
        **_tree_context(tree),
        "node": node,
        "counted": counted,
        "trail": selectors.node_trails([node]).get(node.pk, []),
        "children": selectors.node_children(request.user, node, archived=node.is_archived),
        "can_edit": can_write(request.user, TREE_WRITERS),
        "can_assign": bool(assignable_roles(request.user)),
        "show_assignments": has_any(request.user, ASSIGNMENT_READERS),
        "date_form": date_form,
        "on": on,
        "in_force": selectors.assignments_for(node, on=on or date.today()),
        "history": selectors.assignments_for(node),
        "target_field": "unit" if model is Unit else "place",
    }
    return render(request, "org/node_detail.html", context)


@require_roles(*TREE_WRITERS)
def create(request, tree: str):
    require_write(request.user, TREE_WRITERS)
    model = selectors.tree_model(tree)
    parent = None
    parent_id = request.GET.get("parent") or request.POST.get("parent")
    if parent_id:
        parent = selectors.get_visible(selectors.visible_nodes(request.user, model), pk=id_param(parent_id))
    form = NodeForm(
        request.POST or None,
        model=model,
        parent=parent,
        campuses=selectors.visible_places(request.user).active().filter(kind=Place.Kind.CAMPUS),
        institutions=selectors.visible_units(request.user).active().filter(kind=Unit.Kind.INSTITUTION),
    )
    if request.method == "POST" and form.is_valid():
        fields = {key: value for key, value in form.cleaned_data.items() if value not in (None,)}
        fields["sort_order"] = fields.get("sort_order") or 0
        if model is Place:
            fields["institution"] = fields.get("institution") or (parent.institution if parent is not None else None)
        try:
            node = services.node_create(model=model, parent=parent, **fields)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("%(name)s has been created.") % {"name": node.name})
            return redirect(_detail_url(node))
    return render(request, "org/node_form.html", {**_tree_context(tree), "form": form, "parent": parent, "node": None})


@require_roles(*TREE_WRITERS)
def edit(request, tree: str, pk: int):
    require_write(request.user, TREE_WRITERS)
    node = _node(request, tree, pk)
    model = type(node)
    initial = {"name": node.name, "code": node.code, "sort_order": node.sort_order}
    if model is Unit:
        initial["campus"] = node.campus_id
    else:
        initial.update(use=node.use, gender=node.gender)
    form = NodeForm(
        request.POST or None,
        initial=initial,
        model=model,
        node=node,
        campuses=selectors.visible_places(request.user).active().filter(kind=Place.Kind.CAMPUS),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        extra = {"campus": data.get("campus")} if model is Unit else {"use": data.get("use") or "", "gender": data.get("gender") or ""}
        try:
            services.node_update(node=node, name=data["name"], code=data.get("code") or "", sort_order=data.get("sort_order") or 0, **extra)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect(_detail_url(node))
    return render(request, "org/node_form.html", {**_tree_context(tree), "form": form, "node": node, "parent": node.parent})


@require_roles(*TREE_WRITERS)
def move(request, tree: str, pk: int):
    require_write(request.user, TREE_WRITERS)
    node = _node(request, tree, pk)
    model = type(node)
    allowed_kinds = [kind for kind in model.PARENT_KINDS.get(node.kind, ()) if kind]
    parents = selectors.visible_nodes(request.user, model).active().filter(kind__in=allowed_kinds).exclude(path__startswith=node.path)
    form = MoveForm(request.POST or None, parents=selectors.visible_nodes(request.user, model))
    if request.method == "POST" and form.is_valid():
        try:
            services.node_move(node=node, new_parent=form.cleaned_data["parent"])
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("%(name)s has been moved.") % {"name": node.name})
            return redirect(_detail_url(node))
    return render(
        request,
        "org/node_move.html",
        {
            **_tree_context(tree),
            "node": node,
            "form": form,
            "parent_ac_url": f"{reverse(f'org:ac_{tree}s')}?exclude={node.pk}&kinds={','.join(allowed_kinds)}",
            "parent_count": parents.count(),
        },
    )


@require_POST
@require_roles(*TREE_WRITERS)
def archive(request, tree: str, pk: int):
    require_write(request.user, TREE_WRITERS)
    node = _node(request, tree, pk)
    try:
        count = services.node_archive(node=node)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("%(count)s node(s) archived.") % {"count": count})
    return redirect(_detail_url(node))


@require_POST
@require_roles(*TREE_WRITERS)
def restore(request, tree: str, pk: int):
    require_write(request.user, TREE_WRITERS)
    node = _node(request, tree, pk)
    try:
        services.node_restore(node=node)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("%(name)s has been restored.") % {"name": node.name})
    return redirect(_detail_url(node))


@require_roles(*TREE_WRITERS)
def delete(request, tree: str, pk: int):
    """Delete only what nothing uses; otherwise say why and offer to archive."""
    require_write(request.user, TREE_WRITERS)
    node = _node(request, tree, pk)
    reason = services.node_in_use(node)
    if request.method == "POST" and reason is None:
        parent = node.parent
        try:
            services.node_delete(node=node)
        except ValidationError as exc:
            reason = error_text(exc)
        else:
            messages.success(request, _("%(name)s has been deleted.") % {"name": node.name})
            return redirect(_detail_url(parent) if parent is not None else reverse(f"org:{tree}_tree"))
    return render(request, "org/node_delete.html", {**_tree_context(tree), "node": node, "reason": reason})


@require_roles(*TREE_READERS)
def history(request, tree: str, pk: int):
    node = _node(request, tree, pk)
    page = Paginator(selectors.node_history(node), 50).get_page(request.GET.get("page"))
    return render(request, "org/node_history.html", {**_tree_context(tree), "node": node, "page": page})

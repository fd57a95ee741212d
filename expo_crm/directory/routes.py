"""Companies and contacts: list and search, company page, edit with history, merge."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from expo_crm.auth.roles import STAFF, Role, roles
from expo_crm.directory import services
from expo_crm.directory.forms import CompanyForm, MergeForm, PersonForm
from expo_crm.directory.panels import COMPANY_PANELS, PERSON_PANELS, render_panels
from expo_crm.errors import ValidationError
from expo_crm.extensions import db

bp = Blueprint("directory", __name__)

EDITORS = (Role.SALES, Role.FINANCE)


@bp.get("/companies")
@roles(*STAFF)
def companies() -> str:
    q = request.args.get("q", "").strip()
    query = services.company_query(
        q or None,
        country=request.args.get("country") or None,
        industry=request.args.get("industry") or None,
    )
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template("directory/companies.html", page=page, q=q)


@bp.route("/companies/new", methods=["GET", "POST"])
@roles(*EDITORS)
def new_company() -> str | Response:
    form = CompanyForm()
    if form.validate_on_submit():
        company = services.create_company(db.session, current_user, **form.values())
        db.session.commit()
        flash(_("Company %(name)s created.", name=company.name), "success")
        return redirect(url_for("directory.company", company_id=company.id))
    return render_template("directory/company_form.html", form=form, company=None)


@bp.get("/companies/<int:company_id>")
@roles(*STAFF)
def company(company_id: int) -> str | Response:
    record = services.get_company(db.session, company_id)
    if record.id != company_id:
        return redirect(url_for("directory.company", company_id=record.id))
    return render_template(
        "directory/company.html",
        company=record,
        contacts=services.company_contacts(db.session, record),
        history=services.history(db.session, "company", record.id),
        panels=render_panels(COMPANY_PANELS, db.session, record),
    )


@bp.route("/companies/<int:company_id>/edit", methods=["GET", "POST"])
@roles(*EDITORS)
def edit_company(company_id: int) -> str | Response:
    record = services.get_company(db.session, company_id)
    form = CompanyForm(obj=record)
    if request.method == "GET" and record.activity:
        form.activity.data = record.activity.value
    if form.validate_on_submit():
        services.update_company(db.session, record, current_user, **form.values())
        db.session.commit()
        flash(_("Company saved."), "success")
        return redirect(url_for("directory.company", company_id=record.id))
    return render_template("directory/company_form.html", form=form, company=record)


@bp.route("/companies/<int:company_id>/merge", methods=["GET", "POST"])
@roles(*EDITORS)
def merge_company(company_id: int) -> str | Response:
    """Merge a duplicate into this company; candidates are listed by name similarity."""
    keep = services.get_company(db.session, company_id)
    form = MergeForm()
    if form.validate_on_submit():
        duplicate = services.get_company(db.session, form.duplicate_id.data)
        name = duplicate.name
        services.merge_companies(db.session, keep, duplicate, current_user)
        db.session.commit()
        flash(_("%(dup)s merged into %(keep)s.", dup=name, keep=keep.name), "success")
        return redirect(url_for("directory.company", company_id=keep.id))
    return render_template(
        "directory/merge.html",
        form=form,
        company=keep,
        candidates=services.duplicate_candidates(db.session, keep),
    )


@bp.route("/companies/<int:company_id>/people/new", methods=["GET", "POST"])
@roles(*EDITORS)
def new_person(company_id: int) -> str | Response:
    record = services.get_company(db.session, company_id)
    form = PersonForm()
    if form.validate_on_submit():
        try:
            services.create_person(db.session, current_user, company_id=record.id, **form.values())
        except ValidationError as exc:
            getattr(form, exc.field, form.full_name).errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Contact added."), "success")
            return redirect(url_for("directory.company", company_id=record.id))
    return render_template("directory/person_form.html", form=form, company=record, person=None)


@bp.get("/people/<int:person_id>")
@roles(*STAFF)
def person(person_id: int) -> str:
    record = services.get_person(db.session, person_id)
    return render_template(
        "directory/person.html",
        person=record,
        history=services.history(db.session, "person", record.id),
        panels=render_panels(PERSON_PANELS, db.session, record),
    )


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@roles(*EDITORS)
def edit_person(person_id: int) -> str | Response:
    record = services.get_person(db.session, person_id)
    form = PersonForm(obj=record)
    if form.validate_on_submit():
        try:
            services.update_person(db.session, record, current_user, **form.values())
        except ValidationError as exc:
            getattr(form, exc.field, form.full_name).errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Contact saved."), "success")
            return redirect(url_for("directory.person", person_id=record.id))
    if record is None:
        abort(404)
    return render_template(
        "directory/person_form.html", form=form, company=record.company, person=record
    )

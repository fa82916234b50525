"""Public content pages: medicines, topics, search. These URLs are printed on paper."""

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from app.web.i18n import add_locale, pull_locale
from app.web.public.forms import SearchForm

bp = Blueprint("public", __name__)
bp.url_value_preprocessor(pull_locale)
bp.url_defaults(add_locale)


def content():
    """The content store loaded at start-up."""
    return current_app.extensions["content"]


def medicine_or_404(slug):
    return content().medicine(slug) or abort(404)


@bp.get("/")
def root():
    """Send the reader to the home page in the best language their browser asks for."""
    locale = request.accept_languages.best_match(current_app.config["LANGUAGES"]) or "en"
    response = redirect(url_for("public.home", locale=locale))
    response.vary.add("Accept-Language")
    return response


@bp.get("/<locale>/")
def home():
    return render_template("public/home.html", medicines=list(content().medicines.values()))


@bp.get("/<locale>/medicines/<medicine>/")
def topics(medicine):
    med = medicine_or_404(medicine)
    pages = content().pages(medicine, g.locale)
    return render_template("public/topics.html", medicine=med, pages=pages, form=SearchForm())


@bp.get("/<locale>/medicines/<medicine>/search")
def search(medicine):
    med = medicine_or_404(medicine)
    form = SearchForm(request.args)
    hits = content().search(medicine, g.locale, form.q.data) if form.validate() else []
    return render_template("public/search.html", medicine=med, form=form, hits=hits)


@bp.get("/<locale>/medicines/<medicine>/how-much-cream")
def how_much_cream(medicine):
    """The fingertip-unit guide. Its static last part wins over the <topic> rule below, so no topic can take it."""
    return render_template("public/how_much_cream.html", medicine=medicine_or_404(medicine))


@bp.get("/<locale>/medicines/<medicine>/<topic>")
def topic(medicine, topic):
    med = medicine_or_404(medicine)
    page = content().page(medicine, g.locale, topic) or abort(404)
    return render_template("public/topic.html", medicine=med, page=page)

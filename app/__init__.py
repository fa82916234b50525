"""Thinlayer: medication information and adherence for people treating eczema."""

from flask import Flask, current_app, g, request

from app.config import ROOT, config_from_env
from app.content.store import ContentStore
from app.extensions import babel, configure_sqlite, csrf, db, migrate


def create_app(config=None) -> Flask:
    """Build the app; `config` is a config class or a dict of overrides for tests."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    config_class = config if isinstance(config, type) else config_from_env()
    app.config.from_object(config_class)
    if isinstance(config, dict):
        app.config.update(config)
    config_class.init_instance(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)

    # Parsed once here, never per request; a broken file stops start-up with its name.
    app.extensions["content"] = ContentStore.load(app.config["CONTENT_DIR"], app.config["LANGUAGES"])

    from app.web import register_web

    register_web(app)
    return app


def select_locale() -> str:
    """The locale in the URL, else the best match for the browser's languages."""
    languages = current_app.config["LANGUAGES"]
    return g.get("locale") or request.accept_languages.best_match(languages) or languages[0]

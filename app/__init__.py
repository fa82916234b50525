"""Thinlayer: medication information and adherence for people treating eczema."""

from flask import Flask, current_app, g, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from app import logs
from app.config import ROOT, config_from_env
from app.content.store import ContentStore
from app.extensions import babel, configure_postgresql, configure_sqlite, csrf, db, login_manager, migrate


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
    logs.configure(app)
    if hops := app.config["TRUSTED_PROXIES"]:
        # The client's address and scheme as the proxies saw them; without it every client is the proxy.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    from app import models  # noqa: F401  (every model registered before anything uses the metadata)

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A database server's connections go stale (a restart, an idle timeout): each is checked before
        # use. A SQLite file has no connection to lose, so it skips the extra statement.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
            "pool_pre_ping": True,
        }
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
        configure_postgresql(db.engine)

    # Parsed once here, never per request; a broken file stops start-up with its name.
    app.extensions["content"] = ContentStore.load(app.config["CONTENT_DIR"], app.config["LANGUAGES"])

    from app.web import compression, register_web, static_files

    # Registered before the web layer's hooks, so they run after them (Flask runs the last registered
    # first): compression sees each response as the other hooks leave it.
    compression.register(app)
    static_files.register(app)
    register_web(app)

    from app import cli

    cli.register(app)
    return app


def select_locale() -> str:
    """The locale in the URL, else the signed-in account's language, else the browser's best match."""
    languages = current_app.config["LANGUAGES"]
    if g.get("locale"):
        return g.locale
    if current_user and current_user.is_authenticated:
        return current_user.account.locale
    return request.accept_languages.best_match(languages) or languages[0]

"""Migrations build the schema from nothing, on SQLite and on TEST_DATABASE_URL."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.config import ROOT
from app.extensions import db


def test_upgrade_and_downgrade_run_from_an_empty_database(db_config):
    app = create_app(db_config)
    with app.app_context():
        db.drop_all()
        upgrade(directory=str(ROOT / "migrations"))
        assert "alembic_version" in inspect(db.engine).get_table_names()
        downgrade(directory=str(ROOT / "migrations"), revision="base")
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()

"""Is the database's schema at the migration head? `flask scheduler` asks before it starts, /healthz on each
check (cached a few seconds)."""

from dataclasses import dataclass
from functools import cache

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.config import ROOT

MIGRATIONS = ROOT / "migrations"


@cache
def script_heads() -> frozenset[str]:
    """The head revision(s) of the migration scripts shipped with this code (read once a process)."""
    return frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


@dataclass(frozen=True)
class SchemaState:
    current: frozenset[str]  # the database's revision(s); empty when it was never migrated
    head: frozenset[str]

    @property
    def at_head(self) -> bool:
        return self.current == self.head

    def describe(self) -> str:
        current = ", ".join(sorted(self.current)) or "none (never migrated)"
        return f"the database schema is at revision {current}, not at the migration head {', '.join(sorted(self.head))}"


def schema_state(connection) -> SchemaState:
    """Where the database stands against the scripts; raises SQLAlchemyError when it cannot be read."""
    return SchemaState(frozenset(MigrationContext.configure(connection).get_current_heads()), script_heads())

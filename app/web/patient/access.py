"""Who may see which person: the one check every personal page and API call goes through."""

from flask import abort
from flask_login import current_user

from app.extensions import db
from app.models import Person


def person_or_404(person_id: int) -> Person:
    """The person with this id if they belong to the signed-in account; a 404 otherwise.

    A 404, not a 403, so a guessed id does not even tell whether the person exists.
    """
    if not 0 < person_id < 2**31:  # beyond any id a database column holds
        abort(404)
    person = db.session.get(Person, person_id)
    if person is None or not current_user.is_authenticated or person.account_id != current_user.account.id:
        abort(404)
    return person

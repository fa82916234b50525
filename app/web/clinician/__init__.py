"""The clinician area: second-factor sign-in, invitations, the dashboard, patient detail and exports."""

from app.web.clinician import exports, routes, staff  # noqa: F401  (their routes join the blueprint)
from app.web.clinician.access import bp

__all__ = ["bp"]

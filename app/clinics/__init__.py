"""Clinics: clinicians and their second factor, consented patient links, the audit log, the dashboard
and exports. Plain values in, models out; the clock is always a parameter."""

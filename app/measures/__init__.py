"""Clinical measures as plain Python, no Flask: the weekly POEM and the daily peak itch score."""

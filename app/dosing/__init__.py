"""The dosing rules, in plain Python: no Flask, no SQLAlchemy, and the clock is always a parameter.

- schedule: dose slots from a plan's local times, resolved across DST changes;
- windows: the missed-dose rule (which slot an application counts for, skip zones, slot states);
- adherence: implementation, timing and full days over a period.
"""

"""The reminder engine: an outbox of rows, a sweep that sends them, and the channels they go out on.

- outbox.py    plan the rows for a person's slots (due, missed), review and POEM prompts
- sweep.py     claim due rows, re-check the slot under the missed-dose rule, send, mark
- messages.py  what a reminder says, in the person's language and local time
- inbox.py, push.py, email.py   the channels
- calendar.py  the .ics feed
- scheduler.py the APScheduler jobs behind `flask scheduler` and `make run`
"""

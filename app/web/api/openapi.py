"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

Written by hand next to the views; tests/web/test_api.py fails when a route and this document
disagree, and tests/web/test_api_fuzz.py runs the document against the app.
"""

from app.dosing.windows import Moment, Verdict
from app.measures import itch, poem
from app.patients.symptoms import EFFECTS, OTHER_MAX, RED_FLAGS
from app.patients.triage import TIERS
from app.web.api.schemas import MAX_ID, REASON_MAX

SIGNED_IN = [{"sessionCookie": []}]
SIGNED_IN_WITH_CSRF = [{"sessionCookie": [], "csrfHeader": []}]
PUBLIC: list = []


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def ok(description: str, schema: str) -> dict:
    return {"description": description, "content": json_content(ref(schema))}


def errors(*names: str) -> dict:
    codes = {"csrf": "400", "unauthenticated": "401", "not_found": "404", "media": "415", "invalid": "422"}
    return {codes[name]: {"$ref": f"#/components/responses/{name}"} for name in names}


def path_id(name: str, description: str) -> dict:
    schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema}


PERSON_ID = path_id("person_id", "A person in the signed-in account; anyone else's is a 404.")
READ_ERRORS = errors("unauthenticated", "not_found")
WRITE_ERRORS = errors("csrf", "unauthenticated", "not_found", "media", "invalid")


def datetime_(description: str = "", nullable: bool = False) -> dict:
    schema = {"type": ["string", "null"] if nullable else "string", "format": "date-time"}
    return {**schema, "description": description} if description else schema


def obj(properties: dict, description: str = "", optional: tuple = ()) -> dict:
    """An object schema whose properties are all required unless named in `optional`."""
    schema = {"type": "object", "properties": properties, "required": [k for k in properties if k not in optional]}
    return {**schema, "description": description} if description else schema


NULLABLE_INT = {"type": ["integer", "null"]}
SLOT_STATES = ["upcoming", "open", "on_time", "late", "skipped", "missed", "paused"]
MOMENTS = [m.value for m in Moment]
VERDICTS = [v.value for v in Verdict]

# Text is stored as typed, trimmed; control characters other than tab and line breaks are refused.
CONTROL = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f"
STORABLE = f"^[^{CONTROL}]*$"
NOT_BLANK = f"^[^{CONTROL}]*[^\\s{CONTROL}][^{CONTROL}]*$"
DATE = {"type": "string", "format": "date"}
STRING = {"type": "string"}
INTEGER = {"type": "integer"}
POEM_SCORE = {"type": "integer", "minimum": 0, "maximum": poem.ITEM_MAX}

SYMPTOM_SCHEMAS = {
    "ItchIn": {
        "type": "object",
        "additionalProperties": False,
        "required": ["peak"],
        "properties": {
            "peak": {
                "type": "integer",
                "minimum": itch.PEAK_MIN,
                "maximum": itch.PEAK_MAX,
                "description": "The worst itch in the last 24 hours, 0 (none) to 10 (worst imaginable).",
            },
            "woke_up": {"type": "boolean", "default": False, "description": "Itch woke the person last night."},
        },
    },
    "Itch": obj(
        {
            "id": INTEGER,
            "local_date": DATE,
            "peak_itch": INTEGER,
            "band": {"type": "string", "enum": [name for _, name in itch.BANDS]},
            "woke_up": {"type": "boolean"},
            "recorded_at": datetime_(),
        }
    ),
    "ItchRecorded": obj({"itch": ref("Itch"), "message": STRING}),
    "SideEffectsIn": {
        "type": "object",
        "additionalProperties": False,
        "description": "At least one effect, red flag or a description in `other`.",
        "anyOf": [
            {"required": ["effects"], "properties": {"effects": {"minItems": 1}}},
            {"required": ["red_flags"], "properties": {"red_flags": {"minItems": 1}}},
            {"required": ["other"], "properties": {"other": {"pattern": NOT_BLANK}}},
        ],
        "properties": {
            "effects": {"type": "array", "items": {"type": "string", "enum": list(EFFECTS)}},
            "other": {"type": "string", "maxLength": OTHER_MAX, "pattern": STORABLE},
            "red_flags": {"type": "array", "items": {"type": "string", "enum": list(RED_FLAGS)}},
        },
    },
    "SideEffects": obj(
        {
            "id": INTEGER,
            "local_date": DATE,
            "effects": {"type": "array", "items": STRING},
            "other": STRING,
            "red_flags": {"type": "array", "items": STRING},
            "recorded_at": datetime_(),
            "reviewed_at": datetime_(nullable=True),
        }
    ),
    "SideEffectsRecorded": obj(
        {
            "report": ref("SideEffects"),
            "guidance": {
                "type": ["string", "null"],
                "enum": [*TIERS, None],
                "description": "The tier of help for the reported signs: emergency (call the emergency number "
                "now), today (get medical help today and stop the cream on that area), within_24h (contact the "
                "prescriber within 24 hours); null when no serious sign was reported.",
            },
            "emergency_number": {
                "type": "string",
                "description": "The emergency number for the person's time zone (112 where not known otherwise).",
            },
            "message": STRING,
        }
    ),
    "PoemIn": {
        "type": "object",
        "additionalProperties": False,
        "required": ["answers"],
        "properties": {
            "answers": {
                "type": "object",
                "additionalProperties": False,
                "required": list(poem.ITEMS),
                "properties": {item: POEM_SCORE for item in poem.ITEMS},
                "description": "Days in the last week: 0 none, 1 for 1–2, 2 for 3–4, 3 for 5–6, 4 every day.",
            }
        },
    },
    "Poem": obj(
        {
            "id": INTEGER,
            "local_date": DATE,
            "answers": {"type": "object", "properties": {item: POEM_SCORE for item in poem.ITEMS}},
            "total": {"type": "integer", "minimum": 0, "maximum": poem.TOTAL_MAX},
            "band": {"type": "string", "enum": [name for _, name in poem.BANDS]},
            "recorded_at": datetime_(),
        }
    ),
    "PoemRecorded": obj({"poem": ref("Poem"), "message": STRING}),
}

NULLABLE_PERCENT = {"type": ["integer", "null"], "minimum": 0, "maximum": 100}
HISTORY_SCHEMAS = {
    "Adherence": obj(
        {
            "days": INTEGER,
            "due": {"type": "integer", "description": "Doses whose windows have closed, paused ones left out."},
            "taken": INTEGER,
            "on_time": INTEGER,
            "late": INTEGER,
            "missed": INTEGER,
            "skipped": INTEGER,
            "extras": {"type": "integer", "description": "Applications stored as extra or in a skip zone."},
            "full_days": {"type": "integer", "description": "Days with every dose due applied."},
            "days_with_doses_due": INTEGER,
            "implementation_percent": NULLABLE_PERCENT,
            "on_time_percent": NULLABLE_PERCENT,
            "adherent": {"type": ["boolean", "null"]},
        },
        "Adherence over the last `days` local days, today included.",
    ),
    "CalendarSlot": {"allOf": [ref("DaySlot"), obj({"applied_at": datetime_(nullable=True)})]},
    "CalendarDay": obj(
        {
            "date": DATE,
            "in_month": {"type": "boolean"},
            "is_today": {"type": "boolean"},
            "extras": INTEGER,
            "slots": {"type": "array", "items": ref("CalendarSlot")},
        }
    ),
    "Calendar": obj(
        {
            "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
            "first_weekday": {"type": "integer", "minimum": 0, "maximum": 6, "description": "0 is Monday."},
            "weeks": {"type": "array", "items": {"type": "array", "items": ref("CalendarDay")}},
        }
    ),
}

SCHEMAS = {
    "Error": obj(
        {
            "error": {"type": "string", "description": "A stable code: invalid, csrf, future, too_old, ..."},
            "message": {"type": "string", "description": "What went wrong, in the account's language."},
            "field": {"type": "string", "description": "The body field at fault, for `invalid`."},
        },
        optional=("field",),
    ),
    "CsrfToken": obj({"csrf_token": {"type": "string"}}),
    "Person": obj({"id": {"type": "integer"}, "name": {"type": "string"}, "timezone": {"type": "string"}}),
    "People": obj({"people": {"type": "array", "items": ref("Person")}}),
    "Plan": obj(
        {
            "id": {"type": "integer"},
            "medicine": {"type": "string"},
            "strength": {"type": "string"},
            "times": {"type": "array", "items": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"}},
            "early_minutes": {"type": "integer", "description": "A dose counts from this long before its time."},
            "cutoff_minutes": {
                "type": "integer",
                "description": "A missed dose may be applied until this long before the next one.",
            },
            "min_gap_minutes": {
                "type": "integer",
                "description": "Two counted doses are never closer than this; and at most the plan's doses a "
                "day count in any 24 hours.",
            },
            "status": {"type": "string", "enum": ["active", "paused", "stopped"]},
            "start_date": {"type": "string", "format": "date"},
            "review_date": {"type": "string", "format": "date"},
        }
    ),
    "Slot": obj(
        {
            "id": {"type": "integer"},
            "local_date": {"type": "string", "format": "date"},
            "local_time": {"type": "string", "description": "Wall-clock time in the person's time zone, HH:MM."},
            "scheduled_at": datetime_("The dose time, UTC."),
            "opens_at": datetime_("The window opens, UTC."),
            "closes_at": datetime_("The window closes, UTC; after it the dose is missed."),
        }
    ),
    "DaySlot": {
        "allOf": [ref("Slot"), obj({"state": {"type": "string", "enum": SLOT_STATES}})],
    },
    "Today": obj(
        {
            "person": ref("Person"),
            "local_date": {"type": "string", "format": "date"},
            "plan": {"oneOf": [ref("Plan"), {"type": "null"}]},
            "slots": {"type": "array", "items": ref("DaySlot")},
            "moment": {"type": "string", "enum": MOMENTS},
            "current_slot": {
                "oneOf": [ref("Slot"), {"type": "null"}],
                "description": "The open slot, or the one just missed.",
            },
            "taken_at": datetime_("When the open slot's dose was applied.", nullable=True),
            "next_slot": {"oneOf": [ref("Slot"), {"type": "null"}]},
            "invites": {
                "type": "boolean",
                "description": "True only when an application now would count: the one moment to offer it.",
            },
            "opens_from": datetime_(
                "When a dose can next count: the open slot's later opening when the last dose was recent "
                "(moment spaced; null: not in this window), else the next slot's opening.",
                nullable=True,
            ),
            "last_dose_at": datetime_("The last counted dose before now.", nullable=True),
            "undoable_application_id": NULLABLE_INT,
            "undo_until": datetime_(nullable=True),
            "message": {
                "type": "string",
                "description": "What to tell the patient now. Invites an application only when invites is true.",
            },
        },
        "Where now falls for the patient, read from the same rule as the Today page.",
    ),
    "Application": obj(
        {
            "id": {"type": "integer"},
            "slot_id": NULLABLE_INT,
            "applied_at": datetime_(),
            "recorded_at": datetime_(),
            "verdict": {"type": "string", "enum": VERDICTS},
            "counts": {"type": "boolean", "description": "True while this application counts for its slot."},
            "source": {"type": "string"},
            "voided_at": datetime_(nullable=True),
        }
    ),
    "ApplicationIn": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "applied_at": datetime_(
                "When the cream was applied, with its UTC offset; up to 24 hours back. Leave out for now."
            ),
        },
    },
    "ApplicationRecorded": obj(
        {
            "application": ref("Application"),
            "verdict": {"type": "string", "enum": VERDICTS},
            "slot": {"oneOf": [ref("Slot"), {"type": "null"}]},
            "counted_at": datetime_("The application that counts for this slot.", nullable=True),
            "next_slot": {"oneOf": [ref("Slot"), {"type": "null"}]},
            "message": {"type": "string"},
        }
    ),
    "ApplicationUndone": obj({"application": ref("Application"), "message": {"type": "string"}}),
    "SkipIn": {
        "type": "object",
        "additionalProperties": False,
        "required": ["slot_id", "reason"],
        "properties": {
            "slot_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            "reason": {"type": "string", "minLength": 1, "maxLength": REASON_MAX, "pattern": NOT_BLANK},
        },
    },
    "Skip": obj(
        {
            "id": {"type": "integer"},
            "slot_id": {"type": "integer"},
            "reason": {"type": "string"},
            "recorded_at": datetime_(),
        }
    ),
    "SkipRecorded": obj({"skip": ref("Skip"), "message": {"type": "string"}}),
    **SYMPTOM_SCHEMAS,
    **HISTORY_SCHEMAS,
}


def error_response(description: str) -> dict:
    return {"description": description, "content": json_content(ref("Error"))}


RESPONSES = {
    "csrf": error_response("The X-CSRFToken header is missing or wrong (error: csrf)."),
    "unauthenticated": error_response("Not signed in (error: unauthenticated)."),
    "not_found": error_response("No such person in this account."),
    "media": error_response("The body is not JSON."),
    "invalid": error_response(
        "The body is malformed or a value is wrong (error: invalid, with `field`), or the dose rule cannot take "
        "the report (error: future, too_old, not_found, undo_too_late, slot_closed, already_recorded)."
    ),
}

PATHS = {
    "/csrf-token": {
        "get": {
            "operationId": "getCsrfToken",
            "summary": "A token for the X-CSRFToken header, tied to the session cookie",
            "security": PUBLIC,
            "responses": {"200": ok("The token.", "CsrfToken")},
        }
    },
    "/openapi.json": {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This document",
            "security": PUBLIC,
            "responses": {"200": {"description": "OpenAPI 3.1", "content": json_content({"type": "object"})}},
        }
    },
    "/people": {
        "get": {
            "operationId": "listPeople",
            "summary": "The people whose treatment this account follows",
            "responses": {"200": ok("The people.", "People"), **errors("unauthenticated")},
        }
    },
    "/people/{person_id}/today": {
        "get": {
            "operationId": "getToday",
            "summary": "Today's doses and what to do now",
            "parameters": [PERSON_ID],
            "responses": {"200": ok("Today.", "Today"), **READ_ERRORS},
        }
    },
    "/people/{person_id}/applications": {
        "post": {
            "operationId": "recordApplication",
            "summary": "Report an application of the cream and get the missed-dose rule's verdict",
            "description": "counted or late: it counts for its dose. extra: that dose already counts; stored, "
            "never counted. too_soon: too close to a counted dose, or over the plan's doses in 24 hours; "
            "stored, never counted. early: before the next dose's window opens; stored, never counted. "
            "skip_zone: the missed dose is skipped; apply the next one at its usual time. "
            "unscheduled: no dose was planned then.",
            "security": SIGNED_IN_WITH_CSRF,
            "parameters": [PERSON_ID],
            "requestBody": {"required": False, "content": json_content(ref("ApplicationIn"))},
            "responses": {"201": ok("Stored, with the verdict.", "ApplicationRecorded"), **WRITE_ERRORS},
        }
    },
    "/people/{person_id}/applications/{application_id}": {
        "delete": {
            "operationId": "undoApplication",
            "summary": "Undo a report within 10 minutes of making it",
            "security": SIGNED_IN_WITH_CSRF,
            "parameters": [PERSON_ID, path_id("application_id", "The application to undo.")],
            "responses": {
                "200": ok("Undone; the report is kept, voided.", "ApplicationUndone"),
                **errors("csrf", "unauthenticated", "not_found", "invalid"),
            },
        }
    },
    "/people/{person_id}/itch": {
        "post": {
            "operationId": "logItch",
            "summary": "Today's worst itch; a second log the same day replaces the first",
            "security": SIGNED_IN_WITH_CSRF,
            "parameters": [PERSON_ID],
            "requestBody": {"required": True, "content": json_content(ref("ItchIn"))},
            "responses": {"201": ok("Stored.", "ItchRecorded"), **WRITE_ERRORS},
        }
    },
    "/people/{person_id}/side-effects": {
        "post": {
            "operationId": "reportSideEffects",
            "summary": "Report side effects and serious signs, and get the advice for them",
            "security": SIGNED_IN_WITH_CSRF,
            "parameters": [PERSON_ID],
            "requestBody": {"required": True, "content": json_content(ref("SideEffectsIn"))},
            "responses": {"201": ok("Stored, with advice.", "SideEffectsRecorded"), **WRITE_ERRORS},
        }
    },
    "/people/{person_id}/poem": {
        "post": {
            "operationId": "answerPoem",
            "summary": "The weekly POEM (Patient-Oriented Eczema Measure)",
            "security": SIGNED_IN_WITH_CSRF,
            "parameters": [PERSON_ID],
            "requestBody": {"required": True, "content": json_content(ref("PoemIn"))},
            "responses": {"201": ok("Scored and stored.", "PoemRecorded"), **WRITE_ERRORS},
        }
    },
    "/people/{person_id}/history": {
        "get": {
            "operationId": "getAdherence",
            "summary": "Adherence over the last 7 or 30 days",
            "parameters": [
                PERSON_ID,
                {
                    "name": "days",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "enum": [7, 30], "default": 7},
                },
            ],
            "responses": {"200": ok("Adherence.", "Adherence"), **errors("unauthenticated", "not_found", "invalid")},
        }
    },
    "/people/{person_id}/calendar": {
        "get": {
            "operationId": "getCalendar",
            "summary": "A month of doses in whole weeks",
            "parameters": [
                PERSON_ID,
                {
                    "name": "month",
                    "in": "query",
                    "required": False,
                    "description": "YYYY-MM, 2000-01 to 2100-12; this month when left out.",
                    "schema": {"type": "string", "pattern": "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"},
                },
            ],
            "responses": {"200": ok("The month.", "Calendar"), **errors("unauthenticated", "not_found", "invalid")},
        }
    },
    "/people/{person_id}/skips": {
        "post": {
            "operationId": "skipDose",
            "summary": "Skip an open or upcoming dose on purpose, with a reason",
            "security": SIGNED_IN_WITH_CSRF,
            "parameters": [PERSON_ID],
            "requestBody": {"required": True, "content": json_content(ref("SkipIn"))},
            "responses": {"201": ok("Skipped.", "SkipRecorded"), **WRITE_ERRORS},
        }
    },
}


def document(session_cookie: str = "session") -> dict:
    """The whole document; the session cookie's name comes from the app's config."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Thinlayer API",
            "version": "1",
            "description": "Dose reports and the missed-dose rule for a signed-in account. Sign in through the "
            "web pages; send the session cookie, and on POST and DELETE the X-CSRFToken header "
            "(GET /csrf-token); over HTTPS, also a Referer header naming this site. Messages come in the account's "
            "language.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": SIGNED_IN,
        "paths": PATHS,
        "components": {
            "securitySchemes": {
                "sessionCookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": session_cookie,
                    "description": "The session cookie set when signing in on the web pages.",
                },
                "csrfHeader": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-CSRFToken",
                    "description": "Required on POST and DELETE: a token from GET /csrf-token.",
                },
            },
            "schemas": SCHEMAS,
            "responses": RESPONSES,
        },
    }

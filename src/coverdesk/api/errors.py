"""One error shape for every 4xx: {"code", "message", "fields"}; messages in the user's language."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from coverdesk.core.exceptions import ApplicationError, ErrorBody


def _n(ctx: dict[str, Any], key: str) -> int:
    value = ctx.get(key)
    return value if isinstance(value, int) else 0


# pydantic error type → (rule, translated message). Anything else keeps pydantic's text.
_RULES: dict[str, tuple[str, Any]] = {
    "missing": ("required", lambda ctx: _("This field is required.")),
    "string_too_short": (
        "min_length",
        lambda ctx: _("At least %(n)s characters.") % {"n": ctx.get("min_length")},
    ),
    "string_too_long": (
        "max_length",
        lambda ctx: _("At most %(n)s characters.") % {"n": ctx.get("max_length")},
    ),
    "too_short": (
        "min_items",
        lambda ctx: (
            ngettext(
                "Give at least %(n)s item.", "Give at least %(n)s items.", _n(ctx, "min_length")
            )
            % {"n": ctx.get("min_length")}
        ),
    ),
    "too_long": (
        "max_items",
        lambda ctx: (
            ngettext("Give at most %(n)s item.", "Give at most %(n)s items.", _n(ctx, "max_length"))
            % {"n": ctx.get("max_length")}
        ),
    ),
    # Bounds: inclusive ones are min_value / max_value, exclusive ones greater_than / less_than.
    "greater_than_equal": (
        "min_value",
        lambda ctx: _("Must be at least %(n)s.") % {"n": ctx.get("ge")},
    ),
    "less_than_equal": (
        "max_value",
        lambda ctx: _("Must be at most %(n)s.") % {"n": ctx.get("le")},
    ),
    "greater_than": (
        "greater_than",
        lambda ctx: _("Must be more than %(n)s.") % {"n": ctx.get("gt")},
    ),
    "less_than": (
        "less_than",
        lambda ctx: _("Must be less than %(n)s.") % {"n": ctx.get("lt")},
    ),
    "multiple_of": (
        "multiple_of",
        lambda ctx: _("Must be a multiple of %(n)s.") % {"n": ctx.get("multiple_of")},
    ),
    "decimal_max_places": (
        "decimal_places",
        lambda ctx: (
            _("At most %(n)s digits after the decimal point.") % {"n": ctx.get("decimal_places")}
        ),
    ),
    "decimal_max_digits": (
        "max_digits",
        lambda ctx: _("At most %(n)s digits in all.") % {"n": ctx.get("max_digits")},
    ),
    "decimal_whole_digits": (
        "max_digits",
        lambda ctx: (
            _("At most %(n)s digits before the decimal point.") % {"n": ctx.get("whole_digits")}
        ),
    ),
    "finite_number": ("decimal", lambda ctx: _("Enter a finite number.")),
    "int_parsing": ("integer", lambda ctx: _("Enter a whole number.")),
    "int_type": ("integer", lambda ctx: _("Enter a whole number.")),
    "int_from_float": ("integer", lambda ctx: _("Enter a whole number.")),
    "decimal_parsing": ("decimal", lambda ctx: _("Enter a number.")),
    "decimal_type": ("decimal", lambda ctx: _("Enter a number.")),
    "float_parsing": ("decimal", lambda ctx: _("Enter a number.")),
    "float_type": ("decimal", lambda ctx: _("Enter a number.")),
    "datetime_parsing": ("datetime", lambda ctx: _("Enter a date and time in ISO 8601 form.")),
    "datetime_from_date_parsing": (
        "datetime",
        lambda ctx: _("Enter a date and time in ISO 8601 form."),
    ),
    "timezone_aware": ("timezone_aware", lambda ctx: _("Give the time with its UTC offset.")),
    "date_parsing": ("date", lambda ctx: _("Enter a date as YYYY-MM-DD.")),
    "date_from_datetime_parsing": ("date", lambda ctx: _("Enter a date as YYYY-MM-DD.")),
    "date_type": ("date", lambda ctx: _("Enter a date as YYYY-MM-DD.")),
    "datetime_type": ("datetime", lambda ctx: _("Enter a date and time in ISO 8601 form.")),
    "enum": ("choice", lambda ctx: _("Choose one of: %(c)s.") % {"c": ctx.get("expected")}),
    "literal_error": (
        "choice",
        lambda ctx: _("Choose one of: %(c)s.") % {"c": ctx.get("expected")},
    ),
    "string_type": ("string", lambda ctx: _("Enter text.")),
    "string_pattern_mismatch": (
        "pattern",
        lambda ctx: _("Does not have the expected form (%(p)s).") % {"p": ctx.get("pattern")},
    ),
    "bool_parsing": ("boolean", lambda ctx: _("Enter true or false.")),
    "bool_type": ("boolean", lambda ctx: _("Enter true or false.")),
    "list_type": ("list", lambda ctx: _("Send a list.")),
    "dict_type": ("object", lambda ctx: _("Send a JSON object.")),
    "json_invalid": ("json", lambda ctx: _("The request body is not valid JSON.")),
    "model_attributes_type": ("object", lambda ctx: _("Send a JSON object.")),
    "value_error": ("invalid", None),
}
_LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "payload", "file"}


def _field_name(loc: list[Any]) -> str:
    parts = [str(p) for p in loc if str(p) not in _LOCATIONS]
    # Ninja names the whole body after the view's parameter; drop that wrapper.
    if len(parts) > 1 and parts[0] in {"data", "payload", "body"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_fields(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    fields = []
    for error in errors:
        kind = str(error.get("type", "invalid"))
        rule, message_for = _RULES.get(kind, (kind, None))
        ctx = error.get("ctx") or {}
        message = str(message_for(ctx)) if message_for else str(error.get("msg", ""))
        fields.append(
            {"field": _field_name(list(error.get("loc", []))), "rule": rule, "message": message}
        )
    return fields


def _body(code: str, message: str, fields: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "fields": fields or []}


def install_error_handlers(api: NinjaAPI) -> None:
    def on_application_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(
            request, ErrorBody.from_error(exc).as_dict(), status=exc.status_code
        )

    def on_validation_error(request: HttpRequest, exc: Any) -> HttpResponse:
        fields = validation_fields(list(exc.errors))
        detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        return api.create_response(
            request,
            _body(
                "validation_failed", _("Some fields are not valid: %(d)s") % {"d": detail}, fields
            ),
            status=422,
        )

    def on_authentication_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(
            request,
            _body(
                "not_authenticated",
                _("Authentication required: log in or send 'Authorization: Bearer <token>'."),
            ),
            status=401,
        )

    def on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(request, _body("not_found", _("Not found.")), status=404)

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        code = {403: "permission_denied", 405: "method_not_allowed", 429: "throttled"}.get(
            exc.status_code, "http_error"
        )
        message = str(exc)
        if exc.status_code == 403:
            message = _("You do not have permission to do this.")
        return api.create_response(request, _body(code, message), status=exc.status_code)

    api.add_exception_handler(ApplicationError, on_application_error)
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(AuthenticationError, on_authentication_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(HttpError, on_http_error)


def api_route_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Unknown paths under /api/ answer in JSON, never with the HTML 404 page."""
    from django.http import JsonResponse

    return JsonResponse(
        _body("not_found", _("No API endpoint at %(p)s.") % {"p": request.path}), status=404
    )

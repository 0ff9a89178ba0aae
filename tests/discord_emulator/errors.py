"""Error responses in Discord's shape.

Follows discord-api-docs ``docs/topics/Opcodes_and_Status_Codes.md``.

Every REST error is JSON ``{"code": int, "message": str}`` with the HTTP status Discord uses;
``50035 Invalid Form Body`` adds ``errors``, a tree that mirrors the request body whose leaves
are ``{"_errors": [{"code": ..., "message": ...}]}`` ("JSON Error Codes", "Example JSON Error
Response"). Missing or wrong tokens get ``401 {"message": "401: Unauthorized", "code": 0}``.

Gateway close codes live here too ("Gateway Close Event Codes").

Error tree::

    ApiError                  one REST error: status + code + message (+ errors)
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A REST error exactly as Discord would return it."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        """Return the JSON body Discord sends for this error."""
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def field_errors(path: str, code: str, message: str) -> dict[str, Any]:
    """Build the nested ``errors`` tree of a 50035 for one field, e.g. ``data.content``."""
    tree: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path.split(".")):
        tree = {part: tree}
    return tree


def unauthorized() -> ApiError:
    return ApiError(401, 0, "401: Unauthorized")


def not_found() -> ApiError:
    return ApiError(404, 0, "404: Not Found")


def method_not_allowed() -> ApiError:
    return ApiError(405, 0, "405: Method Not Allowed")


def unknown_channel() -> ApiError:
    return ApiError(404, 10003, "Unknown Channel")


def unknown_guild() -> ApiError:
    return ApiError(404, 10004, "Unknown Guild")


def unknown_member() -> ApiError:
    return ApiError(404, 10007, "Unknown Member")


def unknown_message() -> ApiError:
    return ApiError(404, 10008, "Unknown Message")


def unknown_user() -> ApiError:
    return ApiError(404, 10013, "Unknown User")


def unknown_emoji() -> ApiError:
    return ApiError(400, 10014, "Unknown Emoji")


def unknown_webhook() -> ApiError:
    return ApiError(404, 10015, "Unknown Webhook")


def unknown_interaction() -> ApiError:
    return ApiError(404, 10062, "Unknown interaction")


def unknown_application_command() -> ApiError:
    return ApiError(404, 10063, "Unknown application command")


def entity_too_large() -> ApiError:
    return ApiError(413, 40005, "Request entity too large")


def already_acknowledged() -> ApiError:
    return ApiError(400, 40060, "Interaction has already been acknowledged.")


def missing_access() -> ApiError:
    return ApiError(403, 50001, "Missing Access")


def cannot_edit_other_user() -> ApiError:
    return ApiError(403, 50005, "Cannot edit a message authored by another user")


def empty_message() -> ApiError:
    return ApiError(400, 50006, "Cannot send an empty message")


def cannot_send_to_user() -> ApiError:
    return ApiError(403, 50007, "Cannot send messages to this user")


def missing_permissions() -> ApiError:
    return ApiError(403, 50013, "Missing Permissions")


def invalid_webhook_token() -> ApiError:
    return ApiError(401, 50027, "Invalid Webhook Token")


def invalid_form_body(errors: dict[str, Any]) -> ApiError:
    return ApiError(400, 50035, "Invalid Form Body", errors)


def thread_already_created() -> ApiError:
    return ApiError(400, 160004, "A thread has already been created for this message")


def too_long(path: str, limit: int) -> ApiError:
    """A 50035 for a string over its maximum length (``BASE_TYPE_MAX_LENGTH``)."""
    return invalid_form_body(
        field_errors(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
    )


def required(path: str) -> ApiError:
    """A 50035 for a missing required field (``BASE_TYPE_REQUIRED``)."""
    return invalid_form_body(field_errors(path, "BASE_TYPE_REQUIRED", "This field is required"))


# Gateway close codes ("Gateway Close Event Codes").
CLOSE_UNKNOWN_ERROR = 4000
CLOSE_UNKNOWN_OPCODE = 4001
CLOSE_DECODE_ERROR = 4002
CLOSE_NOT_AUTHENTICATED = 4003
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_ALREADY_AUTHENTICATED = 4005
CLOSE_INVALID_SEQ = 4007
CLOSE_SESSION_TIMED_OUT = 4009
CLOSE_INVALID_API_VERSION = 4012
CLOSE_INVALID_INTENTS = 4013
CLOSE_DISALLOWED_INTENTS = 4014

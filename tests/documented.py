"""Every /api/v1 response the API tests see is checked against the OpenAPI document
the app serves, by a real validator (openapi-schema-validator, JSON Schema 2020-12 as
OpenAPI 3.1 uses it, formats included): its status must be documented for the
operation, its body must match the documented schema."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from openapi_schema_validator import OAS31Validator

API = "/api/v1"


def documented_client(app) -> FlaskClient:
    """A test client of the app whose every API response is checked against the document."""
    app.test_client_class = DocumentedClient
    return app.test_client()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _template_regex(path: str) -> re.Pattern:
    return re.compile(re.sub(r"\\{\w+\\}", "[^/]+", re.escape(path)) + "$")


class DocumentedClient(FlaskClient):
    """A test client that validates each API response against /api/v1/openapi.json."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        if response.request.path.startswith(API + "/"):
            problems = document_problems(self._document(), response.request.method, response.request.path, response)
            assert problems == [], problems
        return response

    def _document(self) -> dict:
        """The document as the app serves it, fetched once per client."""
        if getattr(self, "_spec", None) is None:
            got = super().open(f"{API}/openapi.json")
            assert got.status_code == 200
            self._spec = got.get_json()
        return self._spec


def document_problems(spec: dict, method: str, path: str, response) -> list[str]:
    """What is wrong with one real response by the document: [] when it conforms."""
    operation = None
    for template, item in spec["paths"].items():
        if _template_regex(template).match(path):
            operation = item.get(method.lower())
            break
    if operation is None:  # no such route or method: still the documented error shape
        schema = {"$ref": "#/components/schemas/Error"}
        if response.status_code not in (404, 405):
            return [f"{method} {path}: {response.status_code} from an undocumented operation"]
    else:
        documented = operation["responses"].get(str(response.status_code))
        if documented is None:
            return [f"{method} {path}: status {response.status_code} is not documented"]
        if "content" not in documented:  # 204: documented as having no body
            return [] if not response.get_data() else [f"{method} {path}: a body on a {response.status_code}"]
        schema = documented["content"]["application/json"]["schema"]
    if response.mimetype != "application/json":
        return [f"{method} {path}: {response.mimetype} is not application/json"]
    validator = OAS31Validator({**schema, "components": spec["components"]},
                               format_checker=OAS31Validator.FORMAT_CHECKER)
    return [f"{method} {path} {response.status_code}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(response.get_json())]

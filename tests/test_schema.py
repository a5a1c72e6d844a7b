"""The OpenAPI schema (drf-spectacular): valid OpenAPI 3, generated without warnings, and covering
every endpoint and method under /api/v1/ in the URL conf, so a new endpoint cannot be left out."""

import re

import pytest
from django.contrib.admindocs.views import simplify_regex
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats
from drf_spectacular.generators import SchemaGenerator
from openapi_spec_validator import validate

API_PREFIX = "/api/v1/"


def api_endpoints(patterns=None, prefix="") -> dict[str, set[str]]:
    """``{"/api/v1/expenses/{id}/": {"get", "put", ...}}`` for every URL under /api/v1/, read from
    the resolver (not from drf-spectacular, which builds the schema)."""
    endpoints: dict[str, set[str]] = {}
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            endpoints.update(api_endpoints(pattern.url_patterns, route))
            continue
        assert isinstance(pattern, URLPattern)
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", simplify_regex(route))
        if not path.startswith(API_PREFIX):
            continue
        view = pattern.callback
        if getattr(view, "actions", None):  # a viewset route: {"get": "list", "post": "create"}
            methods = set(view.actions) - {"options", "head"}
        else:
            handlers = set(view.cls.http_method_names) - {"options", "head"}
            methods = {method for method in handlers if hasattr(view.cls, method)}
        endpoints.setdefault(path, set()).update(methods)
    return endpoints


def shape(path: str) -> str:
    return re.sub(r"{\w+}", "{}", path)


@pytest.fixture(scope="module")
def schema():
    reset_generator_stats()
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return generated


def test_the_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate(schema)


def test_the_schema_is_generated_without_warnings_or_errors(schema):
    assert not GENERATOR_STATS, dict(GENERATOR_STATS._warn_cache) | dict(GENERATOR_STATS._error_cache)


def test_every_api_url_and_method_is_in_the_schema():
    endpoints = api_endpoints()
    assert f"{API_PREFIX}expenses/" in endpoints and f"{API_PREFIX}exports/expenses.csv" in endpoints
    reset_generator_stats()
    # Parameter names may differ ({pk} in the URL conf is {id} in the schema): compare shapes.
    documented = {
        shape(path): set(operations) for path, operations in SchemaGenerator().get_schema(public=True)["paths"].items()
    }
    missing = {
        path: sorted(methods - documented.get(shape(path), set()))
        for path, methods in endpoints.items()
        if methods - documented.get(shape(path), set())
    }
    assert not missing, f"not in the OpenAPI schema: {missing}"


def test_every_operation_says_what_it_does(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"


def test_every_endpoint_but_the_token_ones_requires_authentication(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            security = operation.get("security", [])
            if path.startswith(f"{API_PREFIX}auth/"):
                continue
            assert {"jwtAuth": []} in security and {} not in security, f"{method.upper()} {path}: {security}"

"""PAM's static files storage in production (``STORAGES["staticfiles"]`` with DEBUG off).

Whitenoise's compressed manifest storage, with Django's rewriting of ES-module imports turned on:
``import { el } from "../assistant/dom.js";`` in a collected file then names the hashed module
(``dom.1a2b3c.js``), so a page's modules are cached for good like its other static files.

What it rewrites (``HashedFilesMixin._js_module_import_aggregation_patterns``): static
``import … from "./x.js";``, ``export … from "./x.js";`` and ``import "./x.js";`` with a path
that starts with "." or "/" and a closing semicolon, and ``import("./x.js")``. PAM's modules write
their imports that way: relative, quoted, ended with ";".
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class CompressedManifestModulesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True

"""Print the API's OpenAPI document; `make openapi` commits it under docs/api/."""

from __future__ import annotations

import json
import os
import sys

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bahali.settings")
    django.setup()
    from bahali.api.urls import api

    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    json.dump(schema, sys.stdout, indent=2, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

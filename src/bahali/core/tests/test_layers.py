"""Which app may import which (docs/development/layers.md), checked on the source.

Every ``import`` and ``from … import`` of a ``bahali`` module counts, at module level or
inside a function, under ``TYPE_CHECKING`` too: a lazy import is still a dependency, and
the loops this guards against were made of lazy imports. Tests and migrations are not
checked (a platform app's tests may load the full demo).
"""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2]  # src/bahali

# The platform: knows roles, organisations, places, audit, sealing, requests; nothing about
# participants or cases. The API's plumbing (errors, token auth) is platform too; the module
# that mounts every app's router is not.
PLATFORM = ("core", "audit", "geography", "organisations", "accounts", "jobs", "api", "ops")
# The domain, lowest first: an app may import the platform and the apps before it, never
# one after it. So no two domain apps can import each other.
DOMAIN = (
    "registry",
    "programmes",
    "cases",
    "intake",
    "casework",
    "aftercare",
    "referrals",
    "assessments",
    "communities",
    "grievances",
    "evidence",
    "field",  # applies a form through every app's services, evidence's stored figures too
    "imports",
    "prevention",
    "disclosures",
    "retention",
    "rights",
)
# Modules that assemble every app (URL roots, the API's router, test helpers): the top.
ASSEMBLY = {"urls.py", "api/urls.py", "testing.py", "wsgi.py"}
# Scoped models that need no entry of their own: sessions are reached through their
# attendance rows, the service directory is read by every role (scope ``all``), a background
# job by its owner alone (not a role's scope at all).
UNSCOPED = {"casework.session", "referrals.service", "jobs.job"}


def imported_apps(path: Path) -> set[str]:
    """The top-level ``bahali`` packages ``path`` imports, anywhere in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "bahali":  # from bahali import cases
                names = [f"bahali.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "bahali" and len(parts) > 1:
                found.add(parts[1])
    return found


def allowed(app: str, target: str) -> bool:
    """May a module of ``app`` import ``target``?"""
    if target == app or target in PLATFORM:
        return app in PLATFORM or app in DOMAIN
    if target in DOMAIN:
        return app in DOMAIN and DOMAIN.index(target) < DOMAIN.index(app)
    return False  # settings, cli, urls: nothing imports the assembly


def violations(root: Path) -> list[str]:
    """Every import in ``root``'s apps that the layering forbids, as "file: imports app"."""
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        parts = relative.parts
        if "tests" in parts or "migrations" in parts or len(parts) < 2:
            continue
        app = parts[0]
        if relative.as_posix() in ASSEMBLY or app not in PLATFORM + DOMAIN:
            continue
        for target in sorted(imported_apps(path)):
            if not allowed(app, target):
                found.append(f"{relative.as_posix()}: imports bahali.{target}")
    return found


def test_every_app_is_placed_in_a_layer() -> None:
    """A new app must be given a place, or the check below would silently skip it."""
    apps = {p.name for p in SOURCE.iterdir() if (p / "apps.py").exists()}
    assert apps == set(PLATFORM) | set(DOMAIN)


def test_no_app_imports_a_higher_layer() -> None:
    assert violations(SOURCE) == []


def test_the_check_finds_a_platform_app_importing_a_domain_app(tmp_path: Path) -> None:
    """The check itself can fail: a lazy import inside a function, an import under
    ``TYPE_CHECKING``, and ``from bahali import …`` are all caught."""
    (tmp_path / "accounts").mkdir()
    (tmp_path / "accounts" / "policies.py").write_text(
        "def reach():\n    from bahali.cases.models import Case\n    return Case\n"
    )
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "demo.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bahali import registry\n"
    )
    (tmp_path / "core" / "tests").mkdir()
    (tmp_path / "core" / "tests" / "test_x.py").write_text("import bahali.cases\n")
    assert violations(tmp_path) == [
        "accounts/policies.py: imports bahali.cases",
        "core/demo.py: imports bahali.registry",
    ]


def test_the_check_finds_a_domain_app_importing_a_higher_one(tmp_path: Path) -> None:
    """Two domain apps importing each other is a loop: one of the two imports goes up."""
    (tmp_path / "registry").mkdir()
    (tmp_path / "registry" / "views.py").write_text("import bahali.cases.models\n")
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "services.py").write_text("from bahali.registry import services\n")
    assert violations(tmp_path) == ["registry/views.py: imports bahali.cases"]


def test_every_scoped_model_has_registered_how_scopes_reach_it() -> None:
    """The apps register their scope paths from ``AppConfig.ready`` (the platform no longer
    imports them to build the table): a model with ``visible_to`` but no entry would be
    visible to no role but ``all``-scoped ones, silently."""
    from django.apps import apps

    from bahali.accounts.policies import SCOPE_PATHS

    scoped = {
        model._meta.label_lower
        for model in apps.get_models()
        if hasattr(model._default_manager, "visible_to")
    }
    unregistered = scoped - set(SCOPE_PATHS) - UNSCOPED
    assert not unregistered, sorted(unregistered)

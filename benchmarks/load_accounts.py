"""Accounts for the load test (``benchmarks/locustfile.py``) on a benchmark database.

Run once against the database the load test will hit, with the production settings (so the
password is hashed as the server checks it)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test_bahali_bench_cases \\
        .venv/bin/python benchmarks/load_accounts.py [per_role] > /tmp/bahali-load-accounts.json

For every role present, up to ``per_role`` (default 40) active members are given the load
password (``BAHALI_LOAD_PASSWORD``) and a confirmed authenticator whose key is known — the
same service the demo uses for its documented key (``set_up_known_authenticator``), one key
per account, derived from the username. The JSON printed lists, per role, the usernames and
keys: the load test computes each account's current code from it (``django_otp.oath.totp``,
the library the server checks codes with), one simulated user per account, so no code is
ever replayed (an authenticator refuses a code used twice).

Benchmark accounts only (``bench_cases.py`` or ``bahali seed`` data): never run it on a
database with real people.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bahali.settings")

PASSWORD = os.environ.get("BAHALI_LOAD_PASSWORD", "bahali-load-test-2026")


def key_for(username: str) -> str:
    """The account's authenticator key (hex, 20 bytes): known to the load test only."""
    return hashlib.sha256(f"bahali-load:{username}".encode()).hexdigest()[:40]


def main() -> None:
    import django

    django.setup()
    from bahali.core.context import SYSTEM

    per_role = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    chosen = prepare(actor=SYSTEM, per_role=per_role)
    json.dump(chosen, sys.stdout, indent=1)
    print(
        "load accounts: "
        + ", ".join(f"{role} {len(users)}" for role, users in sorted(chosen.items())),
        file=sys.stderr,
    )


def prepare(*, actor: object, per_role: int) -> dict[str, list[dict[str, str]]]:
    """Up to ``per_role`` members of each role: the load password and a known authenticator
    (one service operation, audited as the demo's accounts are)."""
    from django.contrib.auth.hashers import make_password
    from django.db.models import Exists, OuterRef

    from bahali.accounts import services as accounts
    from bahali.accounts.models import Membership, User
    from bahali.cases.models import TeamMember
    from bahali.core.context import SYSTEM, service

    @service
    def give(*, actor: object) -> dict[str, list[dict[str, str]]]:
        chosen: dict[str, list[dict[str, str]]] = {}
        # members who work cases first: a centre's trainer on no team has nothing to open
        on_a_team = TeamMember.objects.filter(membership=OuterRef("pk"), left_on__isnull=True)
        members = (
            Membership.objects.filter(user__is_active=True, is_active=True)
            .annotate(works_cases=Exists(on_a_team))
            .order_by("role", "-works_cases", "user_id")
            .values_list("role", "user_id")
        )
        seen: set[int] = set()
        for role, user_id in members:
            if user_id in seen or len(chosen.get(role, [])) >= per_role:
                continue
            user = User.objects.get(pk=user_id)
            if not user.active_memberships():
                continue
            seen.add(user_id)
            key = key_for(user.username)
            accounts.set_up_known_authenticator(actor=SYSTEM, user=user, key=key)
            chosen.setdefault(role, []).append({"username": user.username, "key": key})
        User.objects.filter(pk__in=seen).update(password=make_password(PASSWORD))
        return chosen

    return give(actor=actor)


if __name__ == "__main__":
    main()

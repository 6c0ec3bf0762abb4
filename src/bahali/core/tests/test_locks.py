"""``serialise`` only means something inside a transaction: outside one it refuses."""

from __future__ import annotations

import pytest
from django.db import transaction

from bahali.core.locks import serialise


@pytest.mark.django_db(transaction=True)
def test_serialise_refuses_outside_a_transaction():
    with pytest.raises(RuntimeError, match="transaction"):
        serialise("anything")


@pytest.mark.django_db(transaction=True)
def test_serialise_is_held_inside_one_and_taken_again_after():
    for _ in range(2):
        with transaction.atomic():
            serialise("anything")

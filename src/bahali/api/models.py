"""What the API keeps for itself: the answers to decisions sent with an idempotency key."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotentAnswer(models.Model):
    """The answer to a decision sent with an ``Idempotency-Key``: a client retrying it (a lost
    connection, a double click) gets the first answer again instead of a 409.

    Bookkeeping of the API, not a record of the domain (the decision itself is audited), so
    a plain model: it keeps the status and which object the answer showed, never a copy of
    the object's content; the answer is shown again as the object is now.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(_("idempotency key"), max_length=100)
    operation = models.CharField(_("operation"), max_length=100)
    status = models.PositiveSmallIntegerField(_("status"))
    object_id = models.BigIntegerField(_("object"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotent answer")
        verbose_name_plural = _("idempotent answers")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.operation}"

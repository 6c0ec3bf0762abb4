"""Django's own messages that Bahali users meet, listed so our catalogues translate them.

Django ships no Pashto catalogue; listing these here puts them in ours (which take
precedence through LOCALE_PATHS), so a Pashto user never meets an English error.
"""

from django.utils.translation import gettext_noop

DJANGO_MESSAGES = [
    gettext_noop("This field is required."),
    gettext_noop("Enter a valid date."),
    gettext_noop("Enter a whole number."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    gettext_noop("Enter a list of values."),
    gettext_noop("This password is too common."),
    gettext_noop("This password is entirely numeric."),
    gettext_noop("The password is too similar to the %(verbose_name)s."),
    gettext_noop("CSRF verification failed. Request aborted."),
]

"""Bind every sealed value of notes, relatives and mentoring to its row
(bahali.core.sealed_rows); reversible.
"""

from django.db import migrations

from bahali.core.sealed_rows import bind_to_rows


class Migration(migrations.Migration):
    dependencies = [("casework", "0004_mentoring_end")]

    operations = [
        *bind_to_rows(
            "casework",
            "note",
            {
                "sealed_body": ("casework.note.body", "casework.note.body"),
            },
        ),
        *bind_to_rows(
            "casework",
            "familymember",
            {
                "sealed_name": ("casework.familymember.name", "casework.familymember.name"),
                "sealed_contact": (
                    "casework.familymember.contact",
                    "casework.familymember.contact",
                ),
            },
        ),
        *bind_to_rows(
            "casework",
            "mentorassignment",
            {
                "sealed_end_note": (
                    "casework.mentorassignment.end_note",
                    "casework.mentorassignment.end_note",
                ),
            },
        ),
        *bind_to_rows(
            "casework",
            "mentormeeting",
            {
                "sealed_summary": (
                    "casework.mentormeeting.summary",
                    "casework.mentormeeting.summary",
                ),
            },
        ),
    ]

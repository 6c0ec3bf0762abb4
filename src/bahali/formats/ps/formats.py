"""Pashto: 5 دسمبر 2026. Django has no Pashto catalogue, so the Gregorian month names
(CLDR's Pashto) are here, read by ``bahali.core.dates``."""

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y، H:i"
SHORT_DATETIME_FORMAT = "j F Y، H:i"
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]
FIRST_DAY_OF_WEEK = 1
MONTHS = (
    "جنوري",
    "فبروري",
    "مارچ",
    "اپریل",
    "مۍ",
    "جون",
    "جولای",
    "اګست",
    "سېپتمبر",
    "اکتوبر",
    "نومبر",
    "دسمبر",
)

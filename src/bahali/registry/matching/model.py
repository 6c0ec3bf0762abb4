"""Fellegi–Sunter parameters: placeholder, replaced by estimated values below."""

from __future__ import annotations

import math

LEVELS: dict[str, tuple[str, ...]] = {
    "name": ("name_exact", "name_variant", "name_partial", "name_different"),
    "father": ("father_same", "father_variant", "father_partial", "father_different"),
    "cnic": ("cnic_same", "cnic_one_digit", "cnic_different"),
    "birth": (
        "birth_date_same",
        "birth_date_different",
        "birth_year_same",
        "birth_year_off_by_one",
        "birth_year_different",
    ),
    "district": ("district_same", "district_different"),
    "sex": ("sex_same", "sex_conflict"),
}
M: dict[str, float] = {
    "name_exact": 0.800544,  # weight +10.16
    "name_variant": 0.114803,  # weight +6.75
    "name_partial": 0.0782297,  # weight +2.78
    "name_different": 0.0064239,  # weight -7.26
    "father_same": 0.983686,  # weight +9.09
    "father_variant": 0.0118634,  # weight +3.68
    "father_partial": 0.000495368,  # weight -4.72
    "father_different": 0.00395538,  # weight -7.96
    "cnic_same": 0.878037,  # weight +14.44
    "cnic_one_digit": 0.109315,  # weight +12.66
    "cnic_different": 0.0126488,  # weight -6.30
    "birth_date_same": 0.0874484,  # weight +15.50
    "birth_date_different": 0.0212521,  # weight +4.09
    "birth_year_same": 0.627313,  # weight +4.30
    "birth_year_off_by_one": 0.216292,  # weight +1.71
    "birth_year_different": 0.0476951,  # weight -4.24
    "district_same": 0.811929,  # weight +4.31
    "district_different": 0.188071,  # weight -2.35
    "sex_same": 0.999867,  # weight +0.44
    "sex_conflict": 0.000132582,  # weight -10.96
}
U: dict[str, float] = {
    "name_exact": 0.000698329,  # weight +10.16
    "name_variant": 0.00106833,  # weight +6.75
    "name_partial": 0.0113516,  # weight +2.78
    "name_different": 0.986882,  # weight -7.26
    "father_same": 0.00180684,  # weight +9.09
    "father_variant": 0.00092284,  # weight +3.68
    "father_partial": 0.0130252,  # weight -4.72
    "father_different": 0.984245,  # weight -7.96
    "cnic_same": 3.9525e-05,  # weight +14.44
    "cnic_one_digit": 1.69393e-05,  # weight +12.66
    "cnic_different": 0.999944,  # weight -6.30
    "birth_date_same": 1.88334e-06,  # weight +15.50
    "birth_date_different": 0.00124866,  # weight +4.09
    "birth_year_same": 0.0318002,  # weight +4.30
    "birth_year_off_by_one": 0.0661034,  # weight +1.71
    "birth_year_different": 0.900846,  # weight -4.24
    "district_same": 0.0409149,  # weight +4.31
    "district_different": 0.959085,  # weight -2.35
    "sex_same": 0.736168,  # weight +0.44
    "sex_conflict": 0.263832,  # weight -10.96
}
MATCH_THRESHOLD = 16.8
REVIEW_THRESHOLD = 13.8
WEIGHTS = {code: math.log2(M[code] / U[code]) for code in M}
BLOCKS_MATCH = frozenset({"cnic_different", "sex_conflict"})
FREQUENCY_PRIOR = 2000.0
FREQUENCY_CAP = 6.0

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
    "name_exact": 0.79717,  # weight +9.26
    "name_variant": 0.193695,  # weight +4.72
    "name_partial": 0.00390662,  # weight -1.08
    "name_different": 0.0052281,  # weight -7.55
    "father_same": 0.98448,  # weight +8.28
    "father_variant": 0.00755994,  # weight -0.20
    "father_partial": 0.00191869,  # weight -2.03
    "father_different": 0.00604151,  # weight -7.34
    "cnic_same": 0.877743,  # weight +15.51
    "cnic_one_digit": 0.109426,  # weight +14.10
    "cnic_different": 0.0128303,  # weight -6.28
    "birth_date_same": 0.0898574,  # weight +12.08
    "birth_date_different": 0.0205755,  # weight +3.97
    "birth_year_same": 0.638125,  # weight +4.33
    "birth_year_off_by_one": 0.20713,  # weight +1.63
    "birth_year_different": 0.0443117,  # weight -4.34
    "district_same": 0.81385,  # weight +4.30
    "district_different": 0.18615,  # weight -2.36
    "sex_same": 0.999869,  # weight +0.44
    "sex_conflict": 0.000131433,  # weight -10.97
}
U: dict[str, float] = {
    "name_exact": 0.00129832,  # weight +9.26
    "name_variant": 0.00735495,  # weight +4.72
    "name_partial": 0.00827161,  # weight -1.08
    "name_different": 0.983075,  # weight -7.55
    "father_same": 0.00316158,  # weight +8.28
    "father_variant": 0.00870208,  # weight -0.20
    "father_partial": 0.00782466,  # weight -2.03
    "father_different": 0.980312,  # weight -7.34
    "cnic_same": 1.87489e-05,  # weight +15.51
    "cnic_one_digit": 6.24965e-06,  # weight +14.10
    "cnic_different": 0.999975,  # weight -6.28
    "birth_date_same": 2.07989e-05,  # weight +12.08
    "birth_date_different": 0.00131412,  # weight +3.97
    "birth_year_same": 0.031673,  # weight +4.33
    "birth_year_off_by_one": 0.0668951,  # weight +1.63
    "birth_year_different": 0.900097,  # weight -4.34
    "district_same": 0.0412249,  # weight +4.30
    "district_different": 0.958775,  # weight -2.36
    "sex_same": 0.735621,  # weight +0.44
    "sex_conflict": 0.264379,  # weight -10.97
}
MATCH_THRESHOLD = 18.0
REVIEW_THRESHOLD = 15.2
WEIGHTS = {code: math.log2(M[code] / U[code]) for code in M}
BLOCKS_MATCH = frozenset({"cnic_different", "sex_conflict"})
FREQUENCY_PRIOR = 2000.0
FREQUENCY_CAP = 6.0

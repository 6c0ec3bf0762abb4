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
    "name_exact": 0.802578,  # weight +10.16
    "name_variant": 0.19047,  # weight +5.41
    "name_partial": 0.00241992,  # weight -2.09
    "name_different": 0.00453185,  # weight -7.76
    "father_same": 0.978361,  # weight +9.05
    "father_variant": 0.0110557,  # weight +1.28
    "father_partial": 0.000231493,  # weight -5.72
    "father_different": 0.0103518,  # weight -6.57
    "cnic_same": 0.884062,  # weight +14.28
    "cnic_one_digit": 0.103177,  # weight +13.99
    "cnic_different": 0.0127612,  # weight -6.29
    "birth_date_same": 0.0907008,  # weight +12.74
    "birth_date_different": 0.0152911,  # weight +3.58
    "birth_year_same": 0.643672,  # weight +4.34
    "birth_year_off_by_one": 0.208149,  # weight +1.65
    "birth_year_different": 0.0421876,  # weight -4.42
    "district_same": 0.816254,  # weight +4.33
    "district_different": 0.183746,  # weight -2.38
    "sex_same": 0.99975,  # weight +0.44
    "sex_conflict": 0.000249884,  # weight -10.05
}
U: dict[str, float] = {
    "name_exact": 0.000701662,  # weight +10.16
    "name_variant": 0.0044783,  # weight +5.41
    "name_partial": 0.0102983,  # weight -2.09
    "name_different": 0.984522,  # weight -7.76
    "father_same": 0.00184535,  # weight +9.05
    "father_variant": 0.00453846,  # weight +1.28
    "father_partial": 0.0122442,  # weight -5.72
    "father_different": 0.981372,  # weight -6.57
    "cnic_same": 4.44109e-05,  # weight +14.28
    "cnic_one_digit": 6.34441e-06,  # weight +13.99
    "cnic_different": 0.999949,  # weight -6.29
    "birth_date_same": 1.32319e-05,  # weight +12.74
    "birth_date_different": 0.00127593,  # weight +3.58
    "birth_year_same": 0.0318265,  # weight +4.34
    "birth_year_off_by_one": 0.0665318,  # weight +1.65
    "birth_year_different": 0.900353,  # weight -4.42
    "district_same": 0.0406449,  # weight +4.33
    "district_different": 0.959355,  # weight -2.38
    "sex_same": 0.735738,  # weight +0.44
    "sex_conflict": 0.264262,  # weight -10.05
}
MATCH_THRESHOLD = 17.2
REVIEW_THRESHOLD = 14.7
WEIGHTS = {code: math.log2(M[code] / U[code]) for code in M}
BLOCKS_MATCH = frozenset({"cnic_different", "sex_conflict"})
FREQUENCY_PRIOR = 2000.0
FREQUENCY_CAP = 6.0

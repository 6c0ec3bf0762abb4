"""Name normalisation: every rule, in Latin and in Urdu/Pashto script, meets on one key."""

from __future__ import annotations

import pytest

from bahali.registry.matching import name_key, normalise_name, split_father


def same_key(*names: str) -> bool:
    return len({name_key(name) for name in names}) == 1


@pytest.mark.parametrize(
    "variants",
    [
        ("Muhammad", "Mohammad", "Mohammed", "Muhammed", "Mohd", "Mohd.", "Md", "M.", "Muhamad"),
        ("Hussain", "Husain", "Hussein"),
        ("Yousaf", "Yusuf", "Yousuf", "Yousef"),
        ("Usman", "Osman", "Othman"),
        ("Umar", "Omar", "Umer"),
        ("Noor", "Nur"),
        ("Farooq", "Faruq", "Farook"),
        ("Idris", "Idrees"),
        ("Mehmood", "Mahmood", "Mahmud"),
        ("Javed", "Javaid"),
        ("Qasim", "Kasim"),
        ("Rafiq", "Rafique"),
        ("Ayesha", "Aisha"),
        ("Rahman", "Rehman"),
    ],
)
def test_transliteration_variants_share_a_canonical_token(variants):
    assert len({normalise_name(variant) for variant in variants}) == 1


def test_case_punctuation_and_accents_do_not_matter():
    assert normalise_name("MUHAMMAD ALI-KHAN.") == normalise_name("muhammad ali khan")
    assert normalise_name("Muḥammad ʿAlī") == normalise_name("Muhammad Ali")
    assert normalise_name("Sa'eed") == normalise_name("Saeed")


def test_slips_of_the_key_that_double_a_letter_are_forgiven():
    assert normalise_name("Kkhan Rasshid") == normalise_name("Khan Rashid")


@pytest.mark.parametrize(
    ("with_title", "without"),
    [
        ("Haji Gul Khan", "Gul Khan"),
        ("Al-Haj Gul Khan", "Gul Khan"),
        ("Maulana Fazal Rabi", "Fazal Rabi"),
        ("Qari Hafiz Abdullah", "Abdullah"),
        ("Syed Ali Shah", "Ali Shah"),
        ("Malik Riaz", "Riaz"),
        ("Mst. Shabana Bibi", "Shabana Bibi"),
        ("Gul Khan Sahib", "Gul Khan"),
        ("حاجی گل خان", "گل خان"),
        ("مولانا فضل ربی", "فضل ربی"),
        ("مسمات شبانہ", "شبانہ"),
    ],
)
def test_honorifics_are_dropped(with_title, without):
    assert normalise_name(with_title) == normalise_name(without)


def test_a_lone_title_is_kept_as_the_name():
    assert normalise_name("Malik") == ("malik",)


@pytest.mark.parametrize(
    "variants",
    [
        ("Abdul Rahman", "Abdur Rehman", "Abdurrahman", "Abd-ur-Rahman", "Abdul Rehman"),
        ("Abdul Sattar", "Abdus Sattar", "Abdussattar"),
        ("Rahmatullah", "Rahmat Ullah", "Rehmat-ullah", "Rehmatulla", "Rahmat Ulla"),
        ("Ziauddin", "Zia ud Din", "Zia-ud-Din", "Zia Uddin", "Zia-u-Din"),
        ("Fazlur Rehman", "Fazl-ur-Rehman", "Fazal ur Rahman", "Fazlurrahman"),
        ("Inam-ul-Haq", "Inamul Haq", "Inamulhaq"),
        ("Fazl-e-Rabbi", "Fazal Rabbi"),
    ],
)
def test_joined_and_split_particles_give_one_token(variants):
    assert len({normalise_name(variant) for variant in variants}) == 1


def test_particles_join_into_the_canonical_spelling():
    assert normalise_name("Abdur Rehman") == ("abdulrahman",)
    assert normalise_name("Mohd Rehmat Ullah Khan") == ("muhammad", "rahmatullah", "khan")
    assert normalise_name("Zia-ud-Din") == ("ziauldin",)


@pytest.mark.parametrize(
    "variants",
    [
        ("محمد رحمت اللہ", "محمد رحمت الله", "محمّد رحمت‌اللہ", "محمد رحمتاللہ"),
        ("علی", "علي", "عَلی"),
        ("شیر", "شېر", "شير"),
        ("گلالئی", "ګلالۍ"),
        ("خٹک", "خټک"),
        ("فاطمہ", "فاطمه", "فاطمة"),
        ("عائشہ", "عایشہ", "عايشه"),
        ("اکبر", "اكبر", "أكبر"),
        ("محمد", "مـحـمد"),
        ("عبدالرحمن", "عبد الرحمن", "عبدالرحمان", "عبدالرحمٰن"),
        ("ضیاء الدین", "ضیاالدین", "ضياء الدين"),
        ("فاطمہ بی بی", "فاطمہ بیبی"),
    ],
)
def test_urdu_and_pashto_letter_variants_share_a_key(variants):
    assert same_key(*variants)


@pytest.mark.parametrize(
    ("latin", "native"),
    [
        ("Mohd Rehmatullah", "محمد رحمت اللہ"),
        ("Muhammad Rahmat Ullah Khan", "محمد رحمت الله خان"),
        ("Abdur Rehman", "عبدالرحمن"),
        ("Zia-ud-Din", "ضیاء الدین"),
        ("Fazlur Rehman", "فضل الرحمن"),
        ("Inam-ul-Haq", "انعام الحق"),
        ("Sher Ali", "شېر علي"),
        ("Gul Zaman Khan", "ګل زمان خان"),
        ("Yousaf", "یوسف"),
        ("Usman", "عثمان"),
        ("Ibrahim", "ابراہیم"),
        ("Ismail", "اسماعیل"),
        ("Ishaq", "اسحاق"),
        ("Bhutto", "بھٹو"),
        ("Chaudhry", "چودھری"),
        ("Shah Wali", "شاہ ولی"),
        ("Khattak", "خټک"),
        ("Fatima Bibi", "فاطمہ بی بی"),
        ("Ayesha", "عائشہ"),
        ("Gulalai", "ګلالۍ"),
        ("Zulfiqar", "ذوالفقار"),
        ("Sanaullah", "ثناء اللہ"),
        ("Muhammad Ilyas", "محمد الیاس"),
        ("Abdullah", "عبداللہ"),
    ],
)
def test_latin_and_native_script_share_a_key(latin, native):
    assert name_key(latin) == name_key(native)


def test_the_key_of_the_issue_example():
    assert name_key("محمد رحمت اللہ") == name_key("Mohd Rehmatullah") == "MHMD RHMTL"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Ahmad", "Hamid"),
        ("Ali", "Wali"),
        ("Gul Zaman", "Gul Rahman"),
        ("Abdul Ghafoor", "Abdul Qadir"),
        ("Rahmatullah", "Saifullah"),
        ("Khalid", "Sajid"),
        ("Imran", "Irfan"),
        ("Tariq", "Tahir"),
        ("Shah", "Sher"),
        ("علی", "ولی"),
        ("احمد", "حامد"),
        ("Yousaf", "Yasir"),
        ("Fatima", "Khadija"),
    ],
)
def test_different_names_keep_different_keys(one, other):
    assert name_key(one) != name_key(other)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mohd Rehmatullah Khan s/o Gul Khan", ("Mohd Rehmatullah Khan", "Gul Khan")),
        ("Ali S/O Zar Wali", ("Ali", "Zar Wali")),
        ("Ali s.o. Zar Wali", ("Ali", "Zar Wali")),
        ("Ali son of Zar Wali", ("Ali", "Zar Wali")),
        ("Zainab d/o Gul Khan", ("Zainab", "Gul Khan")),
        ("Zainab daughter of Gul Khan", ("Zainab", "Gul Khan")),
        ("Fatima w/o Sher Ali", ("Fatima", "")),
        ("Fatima w/o Sher Ali d/o Gul Khan", ("Fatima", "Gul Khan")),
        ("Ali bin Yousaf", ("Ali", "Yousaf")),
        ("علی ولد گل خان", ("علی", "گل خان")),
        ("زینب بنت گل خان", ("زینب", "گل خان")),
        ("Gul Khan", ("Gul Khan", "")),
        ("Soomro", ("Soomro", "")),
    ],
)
def test_split_father(text, expected):
    assert split_father(text) == expected


def test_a_father_written_in_the_name_is_not_part_of_the_name():
    assert normalise_name("Ali Khan s/o Gul Khan") == normalise_name("Ali Khan")


def test_mixed_scripts_are_normalised_token_by_token():
    assert name_key("Muhammad رحمت اللہ") == name_key("Muhammad Rahmatullah")


def test_empty_and_symbol_only_names_give_nothing():
    assert normalise_name("") == ()
    assert name_key(" - / . ") == ""

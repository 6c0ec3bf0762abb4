"""A second synthetic population, unlike :mod:`bahali.registry.synthetic` on purpose.

The matcher's parameters and thresholds were estimated on :mod:`.synthetic`'s people; a
matcher measured only on the population it was tuned on says little about the next one.
This generator is written apart from it (its own vocabulary, frequencies and error model)
and is never used for estimation or tuning: the benchmark reports it on a fixed seed set
(:data:`REPORT_SEEDS`), the tests on others.

What differs, as the registries of tribal districts look:

- given names follow a steep Zipf law: a handful of names (Gul, Ali, Khan Zada, Noor) are
  borne by a large share of the men; Muhammad is written in front of half of them;
- a few tribal surnames (Afridi, Wazir, Mehsud...) are shared by thousands, and most people
  are registered with one;
- families: most people come with brothers and sisters who share their father's name, their
  tribe and district, and are born one to four years apart; cousins share the grandfather's
  given name as the father's;
- more transliteration variants per name (vowels, doubled letters, aspirates, joined or
  split compounds), Urdu script only in a quarter of the records, with keyboard variants;
- few CNICs (a quarter of people), many missing birth dates (a third of the records), ages
  given as years off by one or two, districts of displacement instead of origin.

Every name and number is invented; the vocabulary is common given names, not people.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from bahali.registry.matching.records import PersonRecord

# Seeds the benchmark reports on: never used for estimation, thresholds or any tuning.
REPORT_SEEDS = (9001, 9002, 9003)

# Latin spellings (the first is the usual one) | native spellings; Zipf-ranked, commonest first.
_MALE = [
    ("Gul/Gull/Ghul", "گل/ګل"),
    ("Ali/Aly/Alee", "علی/علي"),
    ("Khan Zada/Khanzada/Khan Zadah", "خان زادہ/خانزادہ"),
    ("Noor/Nur/Noour", "نور"),
    ("Sher/Shair/Sheer", "شیر/شېر"),
    ("Zar Khan/Zarkhan", "زر خان"),
    ("Gul Rehman/Gul Rahman/Gulrehman", "گل رحمان/گل رحمن"),
    ("Wali/Walli/Waly", "ولی/ولي"),
    ("Shah/Sha/Shaah", "شاہ/شاه"),
    ("Rehman/Rahman/Rehmaan", "رحمان/رحمن"),
    ("Bakht/Bakhat/Bukht", "بخت"),
    ("Jan/Jaan/Jahn", "جان"),
    ("Zaman/Zamaan/Zamman", "زمان"),
    ("Akbar/Akber/Akhbar", "اکبر"),
    ("Ayub/Ayoub/Ayyub", "ایوب/ايوب"),
    ("Hayat/Hayyat/Hyat", "حیات"),
    ("Gul Nawaz/Gulnawaz/Gul Niwaz", "گل نواز"),
    ("Fazal/Fazl/Fazil", "فضل"),
    ("Rasool/Rasul/Rassol", "رسول"),
    ("Amin/Ameen/Ameeen", "امین/امين"),
    ("Saeed/Said/Sayeed", "سعید/سعيد"),
    ("Nabi/Nabee/Naby", "نبی/نبي"),
    ("Karim/Kareem/Kerim", "کریم/كريم"),
    ("Habib/Habeeb/Habeb", "حبیب"),
    ("Mir Zaman/Mirzaman/Meer Zaman", "میر زمان"),
    ("Janan/Jaanan/Janaan", "جانان"),
    ("Daud/Dawood/Dawud", "داؤد/داود"),
    ("Painda/Paindah/Peinda", "پائندہ/پاینده"),
    ("Lal/Laal/Lall", "لال"),
    ("Taj/Taaj/Tajj", "تاج"),
    ("Samiullah/Sami Ullah/Samiulla", "سمیع اللہ/سميع الله"),
    ("Inamullah/Inam Ullah/Enamullah", "انعام اللہ"),
    ("Ghani/Ghanee/Gani", "غنی"),
    ("Qadir/Qader/Kadir", "قادر"),
    ("Aziz/Azeez/Aziiz", "عزیز"),
    ("Shakir/Shaker/Shakeer", "شاکر"),
    ("Zahir/Zaheer/Zaher", "ظاہر/ظاهر"),
    ("Mumtaz/Mumtas/Mumtaaz", "ممتاز"),
    ("Jalal/Jalaal/Jelal", "جلال"),
    ("Khial/Khayal/Khiyal", "خیال"),
]
_SECOND = [
    ("Zaman/Zamaan", "زمان"),
    ("Rehman/Rahman/Rehmaan", "رحمان/رحمن"),
    ("Wali/Walli", "ولی/ولي"),
    ("Khan/Khaan", "خان"),
    ("Nawaz/Niwaz", "نواز"),
    ("Alam/Aalam", "عالم"),
    ("Zada/Zadah", "زادہ"),
    ("Akbar/Akber", "اکبر"),
    ("Baz/Baaz", "باز"),
    ("Jan/Jaan", "جان"),
    ("Shah/Shaah", "شاہ/شاه"),
    ("Ullah/Ulla", "اللہ/الله"),
]
_SECOND_WEIGHTS = [1 / (rank + 1) ** 0.8 for rank in range(12)]
_FEMALE = [
    ("Gul Bibi/Gulbibi/Gull Bibi", "گل بی بی/گل بیبی"),
    ("Bibi Jan/Bibijan/Bibi Jaan", "بی بی جان"),
    ("Zarmina/Zarmeena/Zarmena", "زرمینہ"),
    ("Noor Bibi/Nur Bibi/Noorbibi", "نور بی بی"),
    ("Shaista/Shaesta/Shayesta", "شائستہ"),
    ("Palwasha/Palwashah/Pelwasha", "پلوشہ"),
    ("Nazia/Naziya/Nazzia", "نازیہ"),
    ("Gul Pari/Gulpari/Gul Peri", "گل پری"),
    ("Mah Jabeen/Mahjabeen/Mahjabin", "مہ جبین"),
    ("Sabiha/Sabeeha/Sabeha", "صبیحہ"),
    ("Khadija/Khadijah/Khadeeja", "خدیجہ"),
    ("Rukhsana/Rukhsanah/Rokhsana", "رخسانہ"),
]
_TRIBES = [
    ("Afridi/Afreedi/Apridi", "آفریدی/افریدی"),
    ("Wazir/Wazeer/Vazir", "وزیر"),
    ("Mehsud/Mahsud/Mehsood", "محسود"),
    ("Shinwari/Shinwary/Shenwari", "شنواری"),
    ("Orakzai/Orakzay/Aurakzai", "اورکزئی"),
    ("Mohmand/Momand/Mohmend", "مہمند"),
    ("Bangash/Bangesh/Bungash", "بنگش"),
    ("Dawar/Daur/Dawer", "داوڑ"),
]
_TRIBE_WEIGHTS = [30, 22, 18, 10, 8, 6, 4, 2]
_HONORIFICS = [("Haji", "حاجی"), ("Malik", "ملک"), ("Maulvi", "مولوی")]
_MUHAMMAD = ("Muhammad", "Mohammad", "Muhammed", "Mohd")
# district, neighbouring districts people are displaced to
_DISTRICTS = {
    "KHY": ("PEW", "NSR"),
    "NWZ": ("BNU", "DIK"),
    "SWZ": ("DIK", "TNK"),
    "ORK": ("KHT", "HNG"),
    "KRM": ("HNG", "KHT"),
    "BJR": ("LDR", "MMD"),
    "MMD": ("CHR", "PEW"),
}
_DISTRICT_WEIGHTS = [25, 18, 15, 10, 10, 12, 10]


@dataclass
class Person:
    """One invented person; the first person_id of a family is its ``family``."""

    person_id: str
    family: str
    sex: str
    muhammad: bool
    honorific: int | None
    given: tuple[int, ...]
    tribe: int | None
    father_given: tuple[int, ...]
    father_tribe: int | None
    birth: datetime.date
    cnic: str
    district: str


def _zipf(count: int, exponent: float) -> list[float]:
    return [1 / (rank + 1) ** exponent for rank in range(count)]


_MALE_WEIGHTS = _zipf(len(_MALE), 1.05)
_FEMALE_WEIGHTS = _zipf(len(_FEMALE), 0.9)


class _Tribal:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (invented data, not secrets)
        self.cnics: set[str] = set()

    def family(self, start: int) -> list[Person]:
        """A father's children: brothers and sisters sharing his name, tribe and district."""
        rng = self.rng
        district = rng.choices(list(_DISTRICTS), _DISTRICT_WEIGHTS)[0]
        tribe = rng.choices(range(len(_TRIBES)), _TRIBE_WEIGHTS)[0] if rng.random() < 0.85 else None
        father_given = self.given("m")
        eldest = round(rng.triangular(1970, 2008, 1998))
        children = 1 + min(5, int(rng.expovariate(0.7)))
        people: list[Person] = []
        year = eldest
        used: set[tuple[str, tuple[int, ...]]] = set()
        for offset in range(children):
            sex = "f" if rng.random() < 0.2 else "m"
            given = self.given(sex)
            while (sex, given) in used:  # parents do not give two children one name
                given = self.given(sex)
            used.add((sex, given))
            birth = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))
            year += rng.randint(1, 4)
            people.append(
                Person(
                    person_id=f"T{start + offset:06d}",
                    family=f"T{start:06d}",
                    sex=sex,
                    muhammad=sex == "m" and rng.random() < 0.5,
                    honorific=rng.randrange(len(_HONORIFICS))
                    if sex == "m" and rng.random() < 0.08
                    else None,
                    given=given,
                    tribe=tribe if sex == "m" or rng.random() < 0.4 else None,
                    father_given=father_given,
                    father_tribe=tribe if rng.random() < 0.6 else None,
                    birth=birth,
                    cnic=self.cnic(sex) if rng.random() < 0.25 else "",
                    district=district,
                )
            )
        return people

    def given(self, sex: str) -> tuple[int, ...]:
        """One element (Gul), or two (Gul Zaman) for two men in three."""
        rng = self.rng
        if sex == "f":
            return (rng.choices(range(len(_FEMALE)), _FEMALE_WEIGHTS)[0],)
        first = rng.choices(range(len(_MALE)), _MALE_WEIGHTS)[0]
        if rng.random() < 0.35:
            return (first,)
        second = rng.choices(range(len(_SECOND)), _SECOND_WEIGHTS)[0]
        return (first, len(_MALE) + second)

    def given_name(self, given: tuple[int, ...], sex: str, native: bool) -> str:
        if sex == "f":
            return self.spelling(_FEMALE[given[0]], native)
        words = [self.spelling((_MALE + _SECOND)[element], native) for element in given]
        if len(words) == 2 and not native and self.rng.random() < 0.2:
            return words[0] + words[1].lower()  # written joined: Gulzaman
        return " ".join(words)

    def cnic(self, sex: str) -> str:
        while True:
            digits = f"{self.rng.randrange(10**12):012d}"
            cnic = "2" + digits[1:] + self.rng.choice("13579" if sex == "m" else "02468")
            if cnic not in self.cnics:
                self.cnics.add(cnic)
                return cnic

    def spelling(self, entry: tuple[str, str], native: bool) -> str:
        latin, script = entry
        options = (script if native else latin).split("/")
        return options[0] if self.rng.random() < 0.4 else self.rng.choice(options)

    def name(self, person: Person, native: bool) -> str:
        rng = self.rng
        words = []
        if person.honorific is not None and rng.random() < 0.5:
            words.append(_HONORIFICS[person.honorific][1 if native else 0])
        if person.muhammad and rng.random() < 0.85:
            words.append("محمد" if native else rng.choice(_MUHAMMAD))
        words.append(self.given_name(person.given, person.sex, native))
        if person.tribe is not None and rng.random() < 0.85:
            words.append(self.spelling(_TRIBES[person.tribe], native))
        text = " ".join(words)
        if native:
            if rng.random() < 0.3:
                text = text.translate(_ARABIC_KEYBOARD)
        elif rng.random() < 0.3:
            text = text.upper()
        return text

    def father(self, person: Person, native: bool) -> str:
        words = [self.given_name(person.father_given, "m", native)]
        if person.father_tribe is not None and self.rng.random() < 0.7:
            words.append(self.spelling(_TRIBES[person.father_tribe], native))
        return " ".join(words)

    def record(self, record_id: str, person: Person) -> PersonRecord:
        rng = self.rng
        script = rng.random()
        latin, native = script < 0.75, script >= 0.55
        with_father = rng.random() < 0.9
        year = person.birth.year
        birth_year: int | None = year
        birth_date: datetime.date | None = None
        roll = rng.random()
        if roll < 0.25:
            birth_year = None
        elif roll < 0.40:
            birth_year = year + rng.choice((-1, 1))  # an age, not a date
        elif roll < 0.43:
            birth_year = year + rng.choice((-2, 2))
        elif roll < 0.60:
            birth_date = person.birth
        cnic = person.cnic if rng.random() < 0.8 else ""
        if cnic and rng.random() < 0.05:
            position = rng.randrange(13)
            cnic = cnic[:position] + str((int(cnic[position]) + 1) % 10) + cnic[position + 1 :]
        district = person.district
        if rng.random() < 0.15:
            district = rng.choice(_DISTRICTS[person.district])
        return PersonRecord(
            record_id=record_id,
            name=self.name(person, False) if latin else "",
            name_native=self.name(person, True) if native else "",
            father_name=self.father(person, False) if latin and with_father else "",
            father_name_native=self.father(person, True) if native and with_father else "",
            sex=person.sex if rng.random() < 0.8 else "",
            birth_year=birth_year,
            birth_date=birth_date,
            cnic=cnic,
            district=district,
        )


_ARABIC_KEYBOARD = str.maketrans({"ی": "ي", "ک": "ك", "ہ": "ه"})


def generate(
    records: int, seed: int = REPORT_SEEDS[0], people: dict[str, Person] | None = None
) -> tuple[list[PersonRecord], dict[str, str]]:
    """About ``records`` records of invented tribal-district people, and the truth.

    Each person is registered ``1 + Poisson(1.2)``-ish times (one to five); returns the
    records shuffled and record_id → person_id. The same arguments give the same output.
    ``people``, when given, is filled with each person_id's :class:`Person` (for error
    analysis: who is whose brother, who is identical to whom).
    """
    generator = _Tribal(seed)
    rng = generator.rng
    registrations: list[Person] = []
    number = 0
    while len(registrations) < records:
        family = generator.family(number)
        number += len(family)
        if people is not None:
            people.update((person.person_id, person) for person in family)
        for person in family:
            times = rng.choices((1, 2, 3, 4, 5), (35, 35, 18, 8, 4))[0]
            registrations.extend([person] * times)
    del registrations[records:]
    rng.shuffle(registrations)
    found: list[PersonRecord] = []
    truth: dict[str, str] = {}
    for index, person in enumerate(registrations):
        record_id = f"Q{index:07d}"
        found.append(generator.record(record_id, person))
        truth[record_id] = person.person_id
    return found, truth

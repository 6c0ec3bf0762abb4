"""Synthetic people and their duplicate registrations, with the truth of who is who.

The matcher cannot be measured on real registrations: they are too sensitive to copy and
nobody knows their truth. This generator makes invented Pakistani people (Pashtun, Punjabi,
Sindhi and Baloch names; men and women; fathers, districts skewed towards Khyber
Pakhtunkhwa, CNICs following the sex-parity rule) and registers each of them one or more
times the way different organisations would: other transliterations, honorifics added or
dropped, Mohd for Muhammad, particles joined or split, the name only in Urdu or Pashto
script, the father missing, the CNIC missing or mistyped, the birth year off by one, another
district. It also makes the records that must *not* be merged: brothers (same father,
surname, district, close years) and namesakes (same name, another father).

Every name and number here is invented; the vocabulary is common given names, not people.
"""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass

from bahali.registry.matching.records import PersonRecord

# weight, groups (p Pashtun, j Punjabi, s Sindhi, b Baloch, * all)
# | Latin spellings, the usual one first | Urdu/Pashto spellings
_MALE_GIVEN = """
14 * | Ali/Aly/Alee | علی/علي
8 * | Ahmad/Ahmed/Ehmad | احمد
6 p | Gul/Gull | گل/ګل
5 p | Sher Ali/Sher Aly/Shair Ali | شیر علی/شېر علي
5 p | Gul Zaman/Gul Zamaan | گل زمان/ګل زمان
5 p | Rahmatullah/Rehmatullah/Rahmat Ullah/Rahmat-ullah/Rehmatulla | رحمت اللہ/رحمت الله/رحمت‌اللہ
4 p | Zar Wali/Zar Walli | زر ولی/زر ولي
4 * | Noor Muhammad/Nur Mohammad/Noor Mohd | نور محمد
3 p | Taj Muhammad/Taj Mohammad | تاج محمد
2 p | Khan Muhammad/Khan Mohammad | خان محمد
6 * | Usman/Osman/Usmaan | عثمان
5 * | Umar/Omar/Umer | عمر
5 * | Yousaf/Yusuf/Yousuf/Yousef | یوسف/يوسف
4 * | Ibrahim/Ebrahim/Ibraheem | ابراہیم/ابراهيم
4 * | Ismail/Ismael/Esmail | اسماعیل/اسمعیل
3 * | Ziauddin/Zia ud Din/Zia-ud-Din/Zia Uddin | ضیاء الدین/ضیاالدین/ضياء الدين
7 * | Hussain/Husain/Hussein | حسین/حسين
5 * | Hassan/Hasan | حسن
4 * | Bilal/Bilaal | بلال
4 * | Farooq/Faruq/Farook | فاروق
5 * | Tariq/Tarik/Tarique | طارق
4 * | Khalid/Khaled | خالد
3 * | Idrees/Idris | ادریس
3 * | Yaqoob/Yaqub/Yakub | یعقوب
3 * | Sajid/Saajid | ساجد
3 * | Zubair/Zubayr | زبیر
3 * | Zahid/Zaahid | زاہد/زاهد
4 * | Rashid/Rasheed | رشید/راشد
3 * | Naseer/Nasir | نصیر/ناصر
2 p | Fazal Rabi/Fazl-e-Rabbi/Fazal Rabbi | فضل ربی
3 * | Habib/Habeeb | حبیب
3 * | Hameed/Hamid | حمید/حامد
2 p | Hayat/Hayyat | حیات
3 p | Ihsanullah/Ehsanullah/Ihsan Ullah | احسان اللہ
5 * | Imran/Imraan | عمران
4 * | Irfan/Irfaan | عرفان
4 * | Javed/Javaid/Jawed | جاوید
3 * | Karim/Kareem | کریم
2 * | Latif/Lateef | لطیف
4 * | Mehmood/Mahmood/Mahmud | محمود
2 * | Mumtaz/Mumtaaz | ممتاز
3 * | Nawaz/Nawaaz | نواز
3 * | Qasim/Kasim | قاسم
3 * | Rafiq/Rafique/Rafeeq | رفیق
4 * | Saeed/Said/Sayeed | سعید
3 * | Saleem/Salim | سلیم
2 * | Shafiq/Shafique | شفیق
2 * | Shaukat/Shoukat | شوکت
3 p | Sultan/Sultaan | سلطان
3 * | Zafar/Zaffar | ظفر
5 p | Abdul Rahman/Abdur Rehman/Abdurrahman/Abd-ur-Rahman/Abdur Rahman | عبدالرحمن/عبد الرحمن
5 * | Abdullah/Abdulla | عبداللہ/عبدالله
3 * | Abdul Ghafoor/Abdul Ghafur/Abdulghafoor | عبدالغفور
3 * | Abdul Qadir/Abdul Qader/Abdulqadir | عبدالقادر
2 * | Abdul Wahab/Abdul Wahhab | عبدالوہاب
2 * | Abdul Sattar/Abdus Sattar/Abdussattar | عبدالستار
2 * | Abdul Karim/Abdul Kareem | عبدالکریم
2 * | Abdul Haq/Abdulhaq | عبدالحق
2 * | Abdul Jabbar/Abdul Jabar | عبدالجبار
2 * | Abdul Majeed/Abdul Majid | عبدالمجید
3 p | Fazlur Rehman/Fazl-ur-Rehman/Fazal ur Rahman/Fazlur Rahman | فضل الرحمن/فضل الرحمان
2 * | Habibur Rehman/Habib-ur-Rehman/Habib ur Rahman | حبیب الرحمن
3 p | Inamullah/Inam Ullah/Enamullah | انعام اللہ
2 * | Inam-ul-Haq/Inamul Haq/Inamulhaq | انعام الحق
2 * | Ehsan-ul-Haq/Ihsanul Haq | احسان الحق
4 p | Saifullah/Saif Ullah/Saifulla | سیف اللہ/سيف الله
3 p | Asadullah/Asad Ullah | اسد اللہ
3 p | Amanullah/Aman Ullah | امان اللہ
2 p | Hidayatullah/Hidayat Ullah | ہدایت اللہ
2 p | Kifayatullah/Kifayat Ullah | کفایت اللہ
2 * | Sanaullah/Sana Ullah | ثناء اللہ
3 p | Zabihullah/Zabiullah | ذبیح اللہ
2 * | Nasrullah/Nasar Ullah | نصر اللہ
2 p | Ikramullah/Ikram Ullah | اکرام اللہ
3 p | Wali/Walli | ولی/ولي
2 p | Bakht Zada/Bakhtzada | بخت زادہ
3 p | Sher Zaman/Sher Zamaan | شیر زمان
2 p | Jan Muhammad/Jan Mohammad | جان محمد
2 * | Dost Muhammad/Dost Mohammad | دوست محمد
3 * | Akbar/Akber | اکبر
3 * | Iqbal/Iqbaal | اقبال
3 * | Amir/Ameer | امیر
2 p | Shah Wali/Shah Walli | شاہ ولی
2 p | Mir Alam/Meer Alam | میر عالم
2 * | Sardar Ali | سردار علی
2 p | Hazrat Ali | حضرت علی
2 p | Fida Muhammad/Fida Mohammad | فدا محمد
2 p | Zahir Shah/Zaheer Shah | ظاہر شاہ
3 * | Arif/Aarif | عارف
3 * | Asif/Aasif | آصف
3 * | Shahid | شاہد
3 * | Waheed/Wahid | وحید
3 * | Yasir/Yasser | یاسر
3 * | Hamza/Hamzah | حمزہ
2 * | Junaid | جنید
2 * | Ayaz | ایاز
2 * | Naveed/Navid | نوید
2 * | Shakeel/Shakil | شکیل
2 * | Ilyas/Ilyaas | الیاس
2 * | Ishaq | اسحاق
2 * | Haroon/Harun | ہارون
2 * | Sohail/Suhail | سہیل
2 * | Waqas | وقاص
2 * | Kamran | کامران
2 * | Faisal | فیصل
2 * | Adnan | عدنان
2 * | Nadeem/Nadim | ندیم
3 s | Ghulam Hussain/Ghulam Husain/Gulam Hussain | غلام حسین
2 s | Ghulam Rasool/Ghulam Rasul | غلام رسول
2 s | Ghulam Mustafa | غلام مصطفیٰ/غلام مصطفی
3 s | Ali Nawaz | علی نواز
2 s | Ali Murad | علی مراد
2 s | Allah Bakhsh/Allah Bux | اللہ بخش
2 j | Manzoor/Manzur | منظور
3 j | Aslam | اسلم
3 j | Akram | اکرم
3 j | Arshad | ارشد
2 j | Asghar | اصغر
2 j | Amjad | امجد
2 j | Riaz/Riyaz | ریاض
2 j | Sarfraz/Sarfaraz | سرفراز
2 j | Shahzad/Shehzad | شہزاد
2 j | Zulfiqar/Zulfikar | ذوالفقار
2 * | Mushtaq | مشتاق
2 * | Ishtiaq | اشتیاق
2 * | Imtiaz | امتیاز
2 j | Ijaz/Ejaz | اعجاز
2 b | Abdul Ghani/Abdul Gani | عبدالغنی
2 * | Abdul Hameed/Abdul Hamid | عبدالحمید
2 b | Mir Hazar/Meer Hazar | میر ہزار
3 b | Dad Muhammad/Dad Mohammad | داد محمد
2 b | Nabi Bakhsh/Nabi Bux | نبی بخش
2 * | Jalal | جلال
2 * | Jamal/Jamaal | جمال
2 * | Kamal/Kamaal | کمال
"""
_FEMALE_GIVEN = """
8 * | Fatima/Fatimah/Fatma | فاطمہ/فاطمه
6 * | Zainab/Zaynab | زینب
5 * | Ayesha/Aisha/Aysha | عائشہ/عایشہ
4 * | Khadija/Khadijah | خدیجہ
4 p | Gulalai/Gulalay | گلالئی/ګلالۍ
2 p | Malala | ملالہ
3 * | Shabana | شبانہ
3 * | Nasreen/Nasrin | نسرین
3 * | Parveen/Parvin | پروین
2 * | Rukhsana | رخسانہ
3 * | Shazia | شازیہ
3 * | Nazia | نازیہ
2 * | Samina/Sameena | ثمینہ
2 * | Kulsoom/Kulsum | کلثوم
2 * | Hajra/Hajira | ہاجرہ
3 p | Zarmina | زرمینہ
3 p | Palwasha | پلوشہ
2 * | Naseem | نسیم
2 * | Asma | اسما/اسماء
2 * | Mehnaz | مہناز
2 * | Yasmeen/Yasmin | یاسمین
2 p | Gul Bibi | گل بی بی
2 * | Sadia | سعدیہ
2 * | Saima | صائمہ
2 * | Bushra | بشریٰ/بشری
"""
_FEMALE_SECOND = """
5 * | Bibi | بی بی/بيبي
2 * | Begum/Begam | بیگم
2 j | Akhtar | اختر
2 j | Parveen | پروین
1 * | Khatoon | خاتون
"""
_SURNAMES = """
30 p | Khan/Khaan | خان
5 p | Afridi | آفریدی/افریدی
4 p | Wazir | وزیر
3 p | Mehsud/Mahsud | محسود
4 p | Yousafzai/Yusufzai | یوسفزئی
3 p | Shinwari | شنواری
3 p | Mohmand/Momand | مہمند
2 p | Orakzai | اورکزئی
2 p | Bangash | بنگش
3 p | Khattak | خٹک/خټک
2 p | Marwat | مروت
1 p | Durrani | درانی
1 p | Dawar | داوڑ
1 p | Safi | صافی
2 p | Achakzai | اچکزئی
2 p | Kakar | کاکڑ
3 j | Butt | بٹ
2 j | Chaudhry/Chaudhary | چودھری
3 j | Awan | اعوان
2 j | Gujjar/Gujar | گجر
2 j | Rajput | راجپوت
2 j | Qureshi | قریشی
2 j | Arain | آرائیں
2 j | Abbasi | عباسی
2 j | Mughal | مغل
3 s | Soomro | سومرو
2 s | Jatoi | جتوئی
2 s | Memon | میمن
1 s | Bhutto | بھٹو
2 s | Chandio | چانڈیو
2 s | Mangi | منگی
2 s | Shaikh/Sheikh | شیخ
2 s | Laghari/Leghari | لغاری
2 s | Solangi | سولنگی
6 b | Baloch/Baluch | بلوچ
3 b | Marri | مری
3 b | Bugti | بگٹی
2 b | Mengal | مینگل
2 b | Rind | رند
1 b | Raisani | رئیسانی
1 b | Zehri | زہری
1 b | Bizenjo | بزنجو
"""
_HONORIFICS = (
    ("Haji", "حاجی"),
    ("Maulana", "مولانا"),
    ("Qari", "قاری"),
    ("Hafiz", "حافظ"),
    ("Syed", "سید"),
    ("Malik", "ملک"),
    ("Mufti", "مفتی"),
    ("Maulvi", "مولوی"),
)
_MUHAMMAD = ("Muhammad", "Mohammad", "Muhammed", "Mohammed")
_MUHAMMAD_SHORT = ("Mohd", "Mohd.", "M.", "Md")
_MUHAMMAD_NATIVE = ("محمد", "محمّد")

# district code, CNIC province digit, weight, ethnic groups most registered there
_DISTRICTS = (
    ("SWT", 1, 10, "p"),
    ("PEW", 1, 9, "ppj"),
    ("BJR", 2, 7, "p"),
    ("MMD", 2, 5, "p"),
    ("KHY", 2, 8, "p"),
    ("KRM", 2, 5, "p"),
    ("ORK", 2, 4, "p"),
    ("NWZ", 2, 6, "p"),
    ("USW", 2, 3, "p"),
    ("LSW", 2, 3, "p"),
    ("MRD", 1, 5, "p"),
    ("CHR", 1, 3, "p"),
    ("NSR", 1, 3, "p"),
    ("SWB", 1, 3, "p"),
    ("LDR", 1, 3, "p"),
    ("UDR", 1, 2, "p"),
    ("BNR", 1, 2, "p"),
    ("MLK", 1, 2, "p"),
    ("KHT", 1, 2, "p"),
    ("HNG", 1, 2, "p"),
    ("BNU", 1, 4, "p"),
    ("LKM", 1, 2, "p"),
    ("DIK", 1, 4, "pj"),
    ("TNK", 1, 2, "p"),
    ("LHR", 3, 3, "j"),
    ("RWP", 3, 2, "jp"),
    ("FSD", 3, 1, "j"),
    ("MUL", 3, 1, "j"),
    ("KCE", 4, 2, "spj"),
    ("KWE", 4, 3, "ps"),
    ("KEA", 4, 1, "ps"),
    ("HYD", 4, 1, "s"),
    ("QTA", 5, 4, "bp"),
    ("PSN", 5, 1, "p"),
    ("KAB", 5, 1, "p"),
    ("ZHB", 5, 1, "pb"),
    ("ISB", 6, 1, "jp"),
)
DISTRICT_CODES = tuple(code for code, *_ in _DISTRICTS)


@dataclass(frozen=True)
class _Unit:
    """One name element: its Latin spellings (usual first) and native-script spellings."""

    latin: tuple[str, ...]
    native: tuple[str, ...]


@dataclass(frozen=True)
class _Pool:
    units: tuple[_Unit, ...]
    weights: tuple[int, ...]


def _parse_pools(table: str) -> dict[str, _Pool]:
    """One weighted pool per ethnic group from a table above."""
    rows = []
    for line in table.strip().splitlines():
        head, latin, native = (part.strip() for part in line.split("|"))
        weight, groups = head.split()
        rows.append((int(weight), groups, _Unit(tuple(latin.split("/")), tuple(native.split("/")))))
    pools = {}
    for group in "pjsb":
        chosen = [(w, unit) for w, groups, unit in rows if groups in ("*", group)]
        pools[group] = _Pool(tuple(u for _, u in chosen), tuple(w for w, _ in chosen))
    return pools


# Pashtun names are often two elements (Gul Zaman, Sher Wali) or a stem and -ullah; every
# pairing below is a name in its own right, which gives the pool its real variety.
_FIRST_ELEMENTS = (
    ("Gul/Gull", "گل/ګل"),
    ("Sher/Shair", "شیر"),
    ("Zar", "زر"),
    ("Noor/Nur", "نور"),
    ("Taj", "تاج"),
    ("Badshah/Badsha", "بادشاہ"),
    ("Shah", "شاہ"),
    ("Jan/Jaan", "جان"),
    ("Bakht", "بخت"),
    ("Fazal/Fazl", "فضل"),
    ("Dost", "دوست"),
    ("Lal", "لال"),
    ("Mast", "مست"),
    ("Sardar", "سردار"),
)
_SECOND_ELEMENTS = (
    ("Zaman/Zamaan", "زمان"),
    ("Muhammad/Mohammad", "محمد"),
    ("Rahman/Rehman", "رحمان/رحمن"),
    ("Wali/Walli", "ولی"),
    ("Gul", "گل"),
    ("Alam", "عالم"),
    ("Zada", "زادہ"),
    ("Akbar", "اکبر"),
    ("Ahmad/Ahmed", "احمد"),
    ("Hussain/Husain", "حسین"),
    ("Nawaz", "نواز"),
    ("Ayaz", "ایاز"),
    ("Baz", "باز"),
    ("Daraz", "دراز"),
)
_ULLAH_STEMS = (
    ("Rafi", "رفیع"),
    ("Ubaid/Obaid", "عبید"),
    ("Atta/Ata", "عطاء"),
    ("Khalil", "خلیل"),
    ("Najib/Najeeb", "نجیب"),
    ("Sami/Samee", "سمیع"),
    ("Shafi", "شفیع"),
    ("Azmat", "عظمت"),
    ("Barkat", "برکت"),
    ("Hikmat", "حکمت"),
    ("Karam", "کرم"),
    ("Izzat", "عزت"),
    ("Qudrat", "قدرت"),
    ("Ahsan", "احسن"),
    ("Mohib/Muhib", "محب"),
    ("Kalim/Kaleem", "کلیم"),
    ("Mujib/Mujeeb", "مجیب"),
    ("Hafeez/Hafiz", "حفیظ"),
    ("Fazal/Fazl", "فضل"),
    ("Hamid/Hameed", "حمید"),
    ("Naqeeb/Naqib", "نقیب"),
    ("Wahid/Waheed", "وحید"),
    ("Habib", "حبیب"),
    ("Aziz", "عزیز"),
)


def _compound_table() -> str:
    """Table rows (in the format above) for every element pairing and -ullah name."""
    rows = []
    for first_latin, first_native in _FIRST_ELEMENTS:
        for second_latin, second_native in _SECOND_ELEMENTS:
            if first_latin.split("/")[0] == second_latin.split("/")[0]:
                continue
            latin = [f"{a} {b}" for a in first_latin.split("/") for b in second_latin.split("/")]
            native = [f"{a} {b}" for a in first_native.split("/") for b in second_native.split("/")]
            rows.append(f"1 p | {'/'.join(latin)} | {'/'.join(native)}")
    for stem_latin, stem_native in _ULLAH_STEMS:
        stems = stem_latin.split("/")
        latin = [f"{stem}ullah" for stem in stems] + [f"{stems[0]} Ullah"]
        native = [f"{stem} اللہ" for stem in stem_native.split("/")]
        rows.append(f"1 p | {'/'.join(latin)} | {'/'.join(native)}")
    return "\n".join(rows)


_MALE = _parse_pools(_MALE_GIVEN + _compound_table())
_FEMALE = _parse_pools(_FEMALE_GIVEN)
_FEMALE_2 = _parse_pools(_FEMALE_SECOND)
_SURNAME = _parse_pools(_SURNAMES)


@dataclass
class _Person:
    person_id: str
    sex: str
    group: str
    honorific: int | None  # index into _HONORIFICS; a title this person is known by
    muhammad: bool  # "Muhammad" in front of the given name
    given: tuple[_Unit, ...]
    surname: _Unit | None
    father: tuple[_Unit, ...]
    birth: datetime.date
    exact_date: bool
    cnic: str
    district: str


class _Generator:
    """The random choices, one seeded ``random.Random`` for the whole run."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (invented data, not secrets)
        self.district_weights = [w for _, _, w, _ in _DISTRICTS]
        self.used_cnics: set[str] = set()

    def pick(self, pool: _Pool) -> _Unit:
        return self.rng.choices(pool.units, pool.weights)[0]

    def person(self, number: int, people: list[_Person]) -> _Person:
        rng = self.rng
        roll = rng.random()
        if people and roll < 0.15:
            return self.sibling(number, rng.choice(people))
        if people and roll < 0.18:
            return self.namesake(number, rng.choice(people))
        code, province, _, groups = rng.choices(_DISTRICTS, self.district_weights)[0]
        group = rng.choice(groups)
        sex = "f" if rng.random() < 0.15 else "m"
        return _Person(
            person_id=f"P{number:06d}",
            sex=sex,
            group=group,
            honorific=rng.randrange(len(_HONORIFICS))
            if sex == "m" and rng.random() < 0.12
            else None,
            muhammad=sex == "m" and rng.random() < (0.4 if group == "j" else 0.25),
            given=self.given(sex, group),
            surname=self.surname(sex, group),
            father=self.father(group),
            birth=self.birth_date(),
            exact_date=rng.random() < 0.4,
            cnic=self.cnic(province, DISTRICT_CODES.index(code), sex) if rng.random() < 0.6 else "",
            district=code,
        )

    def given(self, sex: str, group: str) -> tuple[_Unit, ...]:
        if sex == "m":
            return (self.pick(_MALE[group]),)
        first = self.pick(_FEMALE[group])
        return (first, self.pick(_FEMALE_2[group])) if self.rng.random() < 0.4 else (first,)

    def surname(self, sex: str, group: str) -> _Unit | None:
        if self.rng.random() < (0.3 if sex == "m" else 0.6):
            return None
        return self.pick(_SURNAME[group])

    def father(self, group: str) -> tuple[_Unit, ...]:
        given = self.pick(_MALE[group])
        if self.rng.random() < 0.5:
            return (given, self.pick(_SURNAME[group]))
        return (given,)

    def birth_date(self) -> datetime.date:
        year = round(self.rng.triangular(1968, 2007, 1996))
        return datetime.date(year, 1, 1) + datetime.timedelta(days=self.rng.randrange(365))

    def cnic(self, province: int, district: int, sex: str) -> str:
        prefix = f"{province}{district:02d}{self.rng.randint(1, 3):02d}"
        while True:
            serial = f"{self.rng.randrange(10**7):07d}"
            last = self.rng.choice("13579" if sex == "m" else "02468")
            cnic = prefix + serial + last
            if cnic not in self.used_cnics:
                self.used_cnics.add(cnic)
                return cnic

    def sibling(self, number: int, of: _Person) -> _Person:
        """A brother or sister: same father, family name and district; another given name."""
        rng = self.rng
        sex = "f" if rng.random() < 0.2 else "m"
        offset = rng.choice((-1, 1)) * rng.randint(1, 8)
        birth = _with_year(self.birth_date(), of.birth.year + offset)
        province = next(p for c, p, *_ in _DISTRICTS if c == of.district)
        given = self.given(sex, of.group)
        if sex == of.sex == "m" and given == of.given:
            given = (self.pick(_MALE[of.group]),)
        return _Person(
            person_id=f"P{number:06d}",
            sex=sex,
            group=of.group,
            honorific=None,
            muhammad=sex == "m" and of.muhammad and rng.random() < 0.7,
            given=given,
            surname=of.surname if sex == of.sex else self.surname(sex, of.group),
            father=of.father,
            birth=birth,
            exact_date=rng.random() < 0.4,
            cnic=self.cnic(province, DISTRICT_CODES.index(of.district), sex)
            if rng.random() < 0.6
            else "",
            district=of.district,
        )

    def namesake(self, number: int, of: _Person) -> _Person:
        """Another person with the same name, often from the same place and generation."""
        rng = self.rng
        person = self.person(number, [])
        birth = person.birth
        if rng.random() < 0.5:
            birth = _with_year(birth, of.birth.year + rng.randint(-2, 2))
        return _Person(
            **{
                **person.__dict__,
                "sex": of.sex,
                "group": of.group,
                "muhammad": of.muhammad,
                "given": of.given,
                "surname": of.surname,
                "birth": birth,
                "district": of.district if rng.random() < 0.5 else person.district,
                "cnic": person.cnic if (person.cnic[-1:] in "13579") == (of.sex == "m") else "",
            }
        )

    # -- rendering one registration of a person ------------------------------------------

    def record(self, record_id: str, person: _Person) -> PersonRecord:
        rng = self.rng
        script = rng.random()
        latin = script < 0.85
        native = script >= 0.6
        honorific = person.honorific is not None and rng.random() < 0.5
        drop_muhammad = rng.random() < 0.1
        drop_surname = rng.random() < 0.1
        name = native_name = father = father_native = ""
        units = list(person.given)
        if person.surname and not drop_surname:
            units.append(person.surname)
        with_father = rng.random() < 0.95
        if latin:
            name = self.latin_name(person, units, honorific, drop_muhammad)
            if with_father:
                father = self.latin_units(person.father)
        if native:
            native_name = self.native_name(person, units, honorific, drop_muhammad)
            if with_father:
                father_native = self.native_units(person.father)
        if latin and father and rng.random() < 0.08:
            relation = rng.choice(
                ("s/o", "S/O", "son of", "s.o.") if person.sex == "m" else ("d/o", "D/O")
            )
            name, father = f"{name} {relation} {father}", ""
        birth_year: int | None = person.birth.year
        birth_date: datetime.date | None = None
        shift = rng.random()
        if shift < 0.12:
            birth_year = person.birth.year + rng.choice((-1, 1))
        elif shift < 0.14:
            birth_year = person.birth.year + rng.choice((-2, 2))
        elif person.exact_date and rng.random() < 0.6:
            birth_date = person.birth if rng.random() < 0.9 else _misdated(rng, person.birth)
        if rng.random() < 0.06:
            birth_year = birth_date = None
        return PersonRecord(
            record_id=record_id,
            name=name,
            name_native=native_name,
            father_name=father,
            father_name_native=father_native,
            sex=person.sex if rng.random() < 0.92 else "",
            birth_year=birth_year,
            birth_date=birth_date,
            cnic=self.cnic_as_written(person.cnic),
            district=person.district if rng.random() < 0.9 else self.other_district(),
        )

    def latin_name(
        self, person: _Person, units: list[_Unit], honorific: bool, drop_muhammad: bool
    ) -> str:
        rng = self.rng
        words = []
        if honorific and person.honorific is not None:
            words.append(_HONORIFICS[person.honorific][0])
        if person.muhammad and not drop_muhammad:
            words.append(rng.choice(_MUHAMMAD_SHORT if rng.random() < 0.2 else _MUHAMMAD))
        words.append(self.latin_units(tuple(units)))
        text = " ".join(words)
        if rng.random() < 0.06:
            text = _misspell(rng, text)
        case = rng.random()
        if case < 0.2:
            return text.upper()
        if case < 0.3:
            return text.lower()
        return text

    def latin_units(self, units: tuple[_Unit, ...]) -> str:
        rng = self.rng
        return " ".join(
            unit.latin[0] if rng.random() < 0.6 else rng.choice(unit.latin) for unit in units
        )

    def native_name(
        self, person: _Person, units: list[_Unit], honorific: bool, drop_muhammad: bool
    ) -> str:
        rng = self.rng
        words = []
        if honorific and person.honorific is not None:
            words.append(_HONORIFICS[person.honorific][1])
        if person.muhammad and not drop_muhammad:
            words.append(rng.choice(_MUHAMMAD_NATIVE))
        words.append(self.native_units(tuple(units)))
        return _native_noise(rng, " ".join(words), pashto=person.group == "p")

    def native_units(self, units: tuple[_Unit, ...]) -> str:
        return " ".join(self.rng.choice(unit.native) for unit in units)

    def cnic_as_written(self, cnic: str) -> str:
        rng = self.rng
        if not cnic or rng.random() < 0.1:
            return ""
        roll = rng.random()
        digits = list(cnic)
        if roll < 0.04:
            position = rng.randrange(13)
            digits[position] = rng.choice([d for d in "0123456789" if d != digits[position]])
        elif roll < 0.06:
            position = rng.randrange(12)
            digits[position], digits[position + 1] = digits[position + 1], digits[position]
        elif roll < 0.065:
            digits = list(f"{rng.randrange(10**13):013d}")
        text = "".join(digits)
        if rng.random() < 0.5:
            return f"{text[:5]}-{text[5:12]}-{text[12]}"
        return text

    def other_district(self) -> str:
        return self.rng.choices(DISTRICT_CODES, self.district_weights)[0]


def _with_year(date: datetime.date, year: int) -> datetime.date:
    """The same day of the year in another year (29 February becomes 1 March)."""
    return datetime.date(year, 1, 1) + datetime.timedelta(days=date.timetuple().tm_yday - 1)


def _misdated(rng: random.Random, date: datetime.date) -> datetime.date:
    """The same year written with a wrong day: day and month swapped, or 1 January."""
    if date.day <= 12 and date.day != date.month and rng.random() < 0.5:
        return date.replace(month=date.day, day=date.month)
    return date.replace(month=1, day=1)


def _misspell(rng: random.Random, text: str) -> str:
    """A typing slip: mostly a vowel changed or doubled, sometimes a consonant."""
    positions = [i for i, c in enumerate(text) if c.isalpha()]
    if len(positions) < 4:
        return text
    position = rng.choice(positions[1:])
    letter = text[position]
    roll = rng.random()
    if letter.lower() in "aeiou" and roll < 0.7:
        replacement = rng.choice(("a", "e", "i", "o", "u", letter + letter.lower()))
    elif roll < 0.85:
        replacement = letter + letter.lower()  # doubled
    else:
        replacement = ""  # dropped
    return text[:position] + replacement + text[position + 1 :]


_ARABIC_KEYBOARD = str.maketrans({"ی": "ي", "ک": "ك", "ہ": "ه"})
_PASHTO_LETTERS = str.maketrans({"گ": "ګ", "ٹ": "ټ", "ڈ": "ډ", "ڑ": "ړ"})


def _native_noise(rng: random.Random, text: str, *, pashto: bool) -> str:
    """How Urdu/Pashto text differs by keyboard and writer: letter forms, marks, joiners."""
    if rng.random() < 0.25:
        text = text.translate(_ARABIC_KEYBOARD)
    if rng.random() < (0.3 if pashto else 0.02):
        text = text.translate(_PASHTO_LETTERS)
    if rng.random() < 0.05 and len(text) > 2:
        text = text[0] + "\u064e" + text[1:]  # a zabar written on the first letter
    if rng.random() < 0.03 and len(text) > 3:
        text = text[:2] + "\u0640" + text[2:]  # tatweel
    if rng.random() < 0.05:
        text = text.replace(" اللہ", "\u200cاللہ").replace(" الله", "\u200cالله")
    return text


def generate(
    people: int, duplicate_rate: float = 1.0, seed: int = 0
) -> tuple[list[PersonRecord], dict[str, str]]:
    """``people`` invented persons, registered ``1 + Poisson(duplicate_rate)`` times each.

    Returns the records in a shuffled order and the truth: record_id → person_id. The same
    arguments always give the same output. 50,000 people at the default rate give about
    100,000 records.
    """
    generator = _Generator(seed)
    rng = generator.rng
    persons: list[_Person] = []
    for number in range(people):
        persons.append(generator.person(number, persons))
    registrations: list[_Person] = []
    for person in persons:
        registrations.extend([person] * (1 + _poisson(rng, duplicate_rate)))
    rng.shuffle(registrations)
    records = []
    truth = {}
    for index, person in enumerate(registrations):
        record_id = f"R{index:07d}"
        records.append(generator.record(record_id, person))
        truth[record_id] = person.person_id
    return records, truth


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small means used here, and stdlib-only."""
    if mean <= 0:
        return 0
    limit = math.exp(-mean)
    count = 0
    product = rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count

"""Slot vocabulary for the demo generator: places, people, countries, jobs, fields, numbers in words."""

from __future__ import annotations

# The seven fieldwork cities in visiting order, with the places recorded for respondents there
# (the city itself, or its region) and what the city is called in speech.
CITIES: tuple[dict, ...] = (
    {"city": "Nur-Sultan", "places": ("Nur-Sultan", "Nur-Sultan", "Astana", "Akmola Region"),
     "region": "north", "kazakh_share": 0.5, "window": ("2018-09-10", 18)},
    {"city": "Karaganda", "places": ("Karaganda", "Karaganda", "Karaganda Region"),
     "region": "north", "kazakh_share": 0.3, "window": ("2018-09-24", 14)},
    {"city": "Petropavlovsk", "places": ("Petropavlovsk", "North Kazakhstan Region", "North Kazakhstan Region"),
     "region": "north", "kazakh_share": 0.15, "window": ("2018-10-03", 12)},
    {"city": "Ust-Kamenogorsk", "places": ("Ust-Kamenogorsk", "Ust-Kamenogorsk", "East Kazakhstan Region"),
     "region": "north", "kazakh_share": 0.2, "window": ("2018-10-12", 13)},
    {"city": "Almaty", "places": ("Almaty", "Almaty", "Almaty", "Almaty Region"),
     "region": "south", "kazakh_share": 0.45, "window": ("2018-10-22", 15)},
    {"city": "Shymkent", "places": ("Shymkent", "Shymkent", "Turkestan Region"),
     "region": "south", "kazakh_share": 0.8, "window": ("2018-11-05", 12)},
    {"city": "Aktau", "places": ("Aktau", "Mangystau Region", "Mangystau Region"),
     "region": "west", "kazakh_share": 0.65, "window": ("2018-11-16", 14)},
)

OTHER_KZ_CITIES = (
    "Pavlodar", "Semey", "Taraz", "Kostanay", "Aktobe", "Atyrau", "Kyzylorda", "Oral",
    "Kokshetau", "Taldykorgan", "Turkestan", "Ekibastuz", "Temirtau", "Zhezkazgan", "Almaty",
    "Karaganda", "Shymkent", "Aktau", "Petropavlovsk", "Ust-Kamenogorsk",
)

RU_CITIES = ("Omsk", "Novosibirsk", "Tomsk", "Moscow", "Saint Petersburg", "Yekaterinburg",
             "Barnaul", "Chelyabinsk", "Kazan", "Krasnodar")

WEST_COUNTRIES = ("the USA", "the UK", "Germany", "Canada", "Australia", "Switzerland",
                  "Austria", "the Netherlands")

# Destination countries people name, with rough weights by where the speaker lives.
DESTINATIONS = {
    "north": (("Russia", 9), ("Germany", 5), ("Canada", 3), ("the USA", 2), ("Poland", 2),
              ("the Czech Republic", 1), ("Israel", 1), ("the UK", 1)),
    "south": (("the USA", 5), ("Canada", 4), ("South Korea", 3), ("the UK", 3), ("Turkey", 2),
              ("Germany", 2), ("the Emirates", 2), ("Russia", 2), ("China", 1), ("Malaysia", 1)),
    "west": (("Russia", 3), ("the Emirates", 3), ("Canada", 3), ("the UK", 2), ("Turkey", 2),
             ("the Netherlands", 2), ("Norway", 1), ("the USA", 2), ("Germany", 1)),
}

FOREIGN_CITIES = ("Berlin", "Toronto", "London", "Vienna", "Seoul", "Prague", "Boston", "Munich",
                  "Vancouver", "Warsaw", "Dubai", "Melbourne", "Budapest", "Istanbul", "Moscow")

# Graduates: country of the degree, a university town there, and how often it occurs.
DEGREE_COUNTRIES = (
    ("USA", "the USA", ("Boston", "Pittsburgh", "Chicago", "Washington", "Austin"), 9),
    ("UK", "the UK", ("London", "Manchester", "Edinburgh", "Warwick", "Glasgow"), 8),
    ("Canada", "Canada", ("Toronto", "Montreal", "Vancouver"), 4),
    ("Germany", "Germany", ("Berlin", "Munich", "Heidelberg", "Aachen"), 5),
    ("Austria", "Austria", ("Vienna", "Graz"), 2),
    ("Hungary", "Hungary", ("Budapest", "Debrecen"), 3),
    ("Russia", "Russia", ("Moscow", "Saint Petersburg", "Novosibirsk", "Tomsk"), 5),
    ("South Korea", "South Korea", ("Seoul", "Daejeon"), 3),
    ("Australia", "Australia", ("Melbourne", "Sydney", "Brisbane"), 2),
    ("Netherlands", "the Netherlands", ("Amsterdam", "Rotterdam", "Groningen"), 1),
    ("Czech Republic", "the Czech Republic", ("Prague", "Brno"), 1),
    ("Japan", "Japan", ("Tokyo", "Tsukuba"), 1),
)

NAMES_M = ("Nurlan", "Aidos", "Yerlan", "Daulet", "Askar", "Bauyrzhan", "Serik", "Marat", "Arman",
           "Yerzhan", "Timur", "Dauren", "Azamat", "Kanat", "Berik", "Zhandos", "Olzhas", "Nurzhan",
           "Dmitry", "Sergey", "Andrey", "Alexei", "Pavel", "Viktor", "Igor", "Oleg", "Rustam",
           "Ruslan", "Ilyas", "Konstantin", "Yuri", "Talgat", "Murat", "Samat")
NAMES_F = ("Aigerim", "Saule", "Dana", "Gulnara", "Aliya", "Madina", "Zhanar", "Aizhan", "Asel",
           "Dinara", "Kamila", "Assem", "Laura", "Meruyert", "Ainur", "Gaukhar", "Olga", "Natalia",
           "Irina", "Svetlana", "Yelena", "Tatiana", "Marina", "Anna", "Farida", "Elmira", "Botagoz",
           "Zarina", "Lyudmila", "Raushan")

RELATIVES_M = ("my younger brother", "my uncle", "my nephew", "my brother-in-law", "my cousin",
               "my older brother", "my father's cousin", "my godson", "my classmate's husband")
RELATIVES_F = ("my aunt", "my niece", "my older sister", "my sister-in-law", "my cousin",
               "my younger sister", "my mother's sister", "my goddaughter", "my daughter-in-law")
RELATIVES = RELATIVES_M[:6] + RELATIVES_F[:6] + ("a distant relative of ours", "my second cousin")

COLLEAGUES = ("a colleague of mine", "one of our young specialists", "my former deputy",
              "a woman from our department", "one of my former students", "a friend from university",
              "our neighbour's son", "a man I studied with", "the head of our laboratory",
              "a classmate of mine", "one of our best graduates", "my former supervisor")

PROFESSIONS_PL = ("doctors", "engineers", "programmers", "teachers", "nurses", "welders",
                  "IT specialists", "economists", "young scientists", "lawyers", "architects",
                  "chemists", "accountants", "geologists", "translators", "designers")
PROFESSIONS_A = ("a doctor", "an engineer", "a programmer", "a nurse", "a welder", "a teacher",
                 "an accountant", "a lawyer", "a driver", "a lab technician", "a pharmacist",
                 "an electrician", "a dentist", "a surgeon", "a software tester")

INDUSTRIES = ("the oil sector", "mining", "agriculture", "banking", "construction", "IT",
              "retail", "logistics", "metallurgy", "tourism")

ACADEMIC_FIELDS = ("economics", "engineering", "chemistry", "medicine", "law", "physics",
                   "computer science", "pedagogy", "biology", "philology", "geology", "finance")

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")

# Expert occupations by sector: (occupation, workplace phrases, monthly pay range in thousand tenge, 2018).
OCCUPATIONS = {
    "civil service": (
        ("civil servant", ("the regional akimat", "the city akimat", "a district akimat",
                           "the regional department of education", "the department of employment"), (110, 230)),
        ("policy analyst", ("a ministry department", "the regional akimat", "an analytical centre"), (150, 300)),
        ("inspector", ("the labour inspectorate", "the tax department", "the sanitary service"), (100, 190)),
        ("economist", ("the regional department of economy", "the city akimat"), (120, 220)),
    ),
    "science": (
        ("researcher", ("a research institute", "the regional branch of an academy institute",
                        "a university research centre"), (90, 190)),
        ("senior researcher", ("a research institute", "a university laboratory"), (120, 240)),
        ("laboratory head", ("a research institute", "a university research centre"), (160, 320)),
        ("doctor", ("the regional research hospital", "a medical research centre"), (140, 300)),
    ),
    "education": (
        ("teacher", ("a secondary school", "a gymnasium", "a village school", "a specialised lyceum"), (75, 160)),
        ("lecturer", ("the regional university", "a technical college", "a private university",
                      "the pedagogical university"), (100, 210)),
        ("school principal", ("a secondary school", "a school in the suburbs", "a lyceum"), (170, 280)),
        ("associate professor", ("the state university", "a technical university"), (140, 260)),
    ),
    "private sector": (
        ("entrepreneur", ("my own small company", "a family business", "my printing shop",
                          "a logistics firm I started", "a construction supply business"), (150, 600)),
        ("engineer", ("the plant", "an oil service company", "a construction company",
                      "a mining company", "the power station"), (180, 450)),
        ("economist", ("a bank", "a consulting firm", "an audit company"), (180, 400)),
        ("doctor", ("a private clinic", "a medical centre", "a dental clinic"), (200, 500)),
        ("IT specialist", ("a software company", "a telecom company", "a bank's IT department"), (250, 600)),
        ("lawyer", ("a law firm", "the legal department of a company"), (200, 450)),
    ),
}

# Graduates: field of study with occupations that fit it.
GRAD_FIELDS = (
    ("public policy", ("civil servant", "policy analyst", "consultant")),
    ("economics", ("economist", "analyst", "lecturer")),
    ("petroleum engineering", ("engineer", "project manager")),
    ("computer science", ("software developer", "data analyst", "researcher")),
    ("education", ("lecturer", "teacher", "education consultant")),
    ("public health", ("doctor", "researcher", "project manager")),
    ("law", ("lawyer", "civil servant", "legal consultant")),
    ("finance", ("financial analyst", "economist", "bank manager")),
    ("international relations", ("diplomat", "civil servant", "researcher")),
    ("chemistry", ("researcher", "postdoctoral researcher", "lecturer")),
    ("linguistics", ("lecturer", "translator", "teacher")),
    ("mechanical engineering", ("engineer", "researcher")),
    ("business administration", ("entrepreneur", "project manager", "consultant")),
    ("environmental science", ("researcher", "consultant", "lecturer")),
    ("medicine", ("doctor", "researcher")),
    ("mining engineering", ("engineer", "project manager")),
)

SECTOR_OF_OCCUPATION = {
    "civil servant": "civil service", "policy analyst": "civil service", "diplomat": "civil service",
    "researcher": "science", "postdoctoral researcher": "science", "lecturer": "education",
    "teacher": "education", "education consultant": "education",
}

_UNITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
          "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def number_words(n: int) -> str:
    """English words for 0 <= n < 1,000,000 ("one hundred and twenty thousand")."""
    if n < 0 or n >= 1_000_000:
        raise ValueError(n)
    if n < 20:
        return _UNITS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _TENS[tens] + ("" if unit == 0 else "-" + _UNITS[unit])
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = _UNITS[hundreds] + " hundred"
        return head if rest == 0 else head + " and " + number_words(rest)
    thousands, rest = divmod(n, 1000)
    head = number_words(thousands) + " thousand"
    if rest == 0:
        return head
    return head + (" and " if rest < 100 else " ") + number_words(rest)


def digits(n: int) -> str:
    """Digits with thousands separated by commas, never a decimal point ("4,500")."""
    return f"{n:,}"

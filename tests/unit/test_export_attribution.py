"""Attribution templates: the papers' style, missing parts dropped cleanly, filters, per-group settings, errors."""

from __future__ import annotations

import pytest

from cotag.errors import CotagError
from cotag.export.attribution import build_attribution, parse_template

EXPERT = {"gender": "female", "age": 38, "occupation": "civil servant", "place": "Almaty"}


def render(template: str, **values) -> str:
    return parse_template(template).render(values)


def test_default_expert_and_graduate_templates():
    attribution = build_attribution()
    assert attribution.render(group="expert", attributes=EXPERT) == "(female, 38, civil servant, Almaty)"
    graduate = {"gender": "male", "age": 33.0, "degree_country": "USA"}
    assert attribution.render(group="graduate", attributes=graduate) == "(male, 33, graduated from a US university)"
    # A group without its own template uses the default.
    assert attribution.render(group="pilot", attributes=EXPERT) == "(female, 38, civil servant, Almaty)"


@pytest.mark.parametrize("missing", [None, "", "   ", float("nan")])
def test_a_missing_attribute_drops_its_part(missing):
    values = dict(EXPERT, age=missing)
    assert build_attribution().render(group="expert", attributes=values) == "(female, civil servant, Almaty)"


def test_first_and_last_parts_missing_keep_the_parentheses_clean():
    attribution = build_attribution()
    assert attribution.render(group="expert", attributes={"age": 40, "occupation": "teacher"}) == "(40, teacher)"
    assert attribution.render(group="expert", attributes={"place": "Aktau"}) == "(Aktau)"


def test_nothing_known_gives_empty_text_not_empty_parentheses():
    assert build_attribution().render(group="expert", attributes={}) == ""
    assert build_attribution().render(group="graduate", attributes={"degree_country": None}) == ""


def test_literal_text_in_a_part_goes_with_its_placeholder():
    template = "({gender|cap}, {age} years old, graduated from a European University)"
    assert render(template, gender="female", age=28) == "(Female, 28 years old, graduated from a European University)"
    assert render(template, gender="female") == "(Female, graduated from a European University)"


@pytest.mark.parametrize("country, expected", [
    ("USA", "a US"), ("United Kingdom", "a British"), ("Austria", "an Austrian"), ("Hungary", "a Hungarian"),
    ("Germany", "a German"), ("South Korea", "a South Korean"), ("Australia", "an Australian"),
    ("Ukraine", "a Ukrainian"), ("Ireland", "an Irish"), ("Atlantis", "an Atlantis"),
])
def test_country_adjective_with_article(country, expected):
    assert render("{degree_country|adj|a}", degree_country=country) == expected


def test_article_for_acronyms():
    assert render("{x|a}", x="MBA") == "an MBA"
    assert render("{x|a}", x="PhD") == "a PhD"
    assert render("{x|a}", x="hour") == "an hour"


def test_values_print_cleanly():
    assert render("({age})", age=38.0) == "(38)"
    assert render("({flag})", flag=True) == "(yes)"
    assert render("({places})", places=["Almaty", None, "Astana"]) == "(Almaty; Astana)"


def test_braces_escape_and_no_wrapper():
    assert render("{{{gender}}}", gender="male") == "{male}"
    assert render("{gender}, {age}", gender="male") == "male"
    assert render("— {gender}, {place}", place="Aktau") == "— Aktau"


@pytest.mark.parametrize("template, message", [
    ("({gender}, {age", "never closed"),
    ("({gender}, age})", "closes nothing"),
    ("({gender!r})", "bad placeholder"),
    ("({})", "bad placeholder"),
    ("({gender|shout})", "unknown filter 'shout'"),
])
def test_bad_templates_are_refused_with_the_template(template, message):
    with pytest.raises(CotagError, match=message) as info:
        parse_template(template)
    assert template in str(info.value)


def test_config_then_command_line():
    config = {"export": {"attribution": {"graduate": "({gender}, {degree_level})", "default": "[{place}]"}}}
    attribution = build_attribution(config=config, groups={"expert", "graduate"})
    assert attribution.render(group="graduate", attributes={"gender": "male", "degree_level": "PhD"}) == "(male, PhD)"
    assert attribution.render(group="expert", attributes=EXPERT) == "(female, 38, civil servant, Almaty)"
    assert attribution.render(group="pilot", attributes=EXPERT) == "[Almaty]"
    # A bare command-line template replaces every group's; group="..." then sets one.
    cli = build_attribution(config=config, overrides=["({age})", 'graduate="{gender}"'], groups={"expert", "graduate"})
    assert cli.render(group="expert", attributes=EXPERT) == "(38)"
    assert cli.render(group="graduate", attributes={"gender": "male"}) == "male"


def test_command_line_group_must_exist():
    with pytest.raises(CotagError, match="no group named 'gender'"):
        build_attribution(overrides=["gender={gender}"], groups={"expert", "graduate"})
    assert build_attribution(overrides=["default=gender={gender}"], groups=set()).default.render(
        {"gender": "male"}) == "gender=male"


def test_config_must_hold_text():
    with pytest.raises(CotagError, match="expert must be a quoted template"):
        build_attribution(config={"export": {"attribution": {"expert": 3}}})


def test_check_refuses_unknown_attribute_in_a_users_template_only():
    attribution = build_attribution(overrides=['expert="({gender}, {religion})"'], groups={"expert"})
    with pytest.raises(CotagError, match=r"unknown attribute \{religion\}"):
        attribution.check(attributes=["gender", "age"])
    # The built-in graduate template names degree_country; a project without it is fine.
    build_attribution().check(attributes=["gender", "age"])

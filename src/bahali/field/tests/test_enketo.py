"""Every form the server lists, as the browser's form engine takes it: the XForm transformed
with enketo-transformer's stylesheets (lxml) into an HTML form with every question and
choice in English, Urdu and Pashto (Urdu and Pashto right to left), every bound node a
control, no inline style or script (the CSP), and an XML model whose primary instance is
the XForm's own; a lookup file becomes the external instance enketo-core reads."""

from __future__ import annotations

import pytest
from django.utils import translation
from lxml import etree, html

from bahali.assessments.services import load_builtin_instruments
from bahali.core.context import SYSTEM
from bahali.field import enketo, openrosa, xforms
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

XF = "{http://www.w3.org/2002/xforms}"
NS = {"xf": "http://www.w3.org/2002/xforms", "h": "http://www.w3.org/1999/xhtml"}


def _every_form() -> list[xforms.FieldForm]:
    """The built-in forms and every form the server lists to anyone in the world."""
    world = PathwayWorld()
    world.case(phase="aftercare")
    forms = {f.form_id: f for f in [xforms.check_in_form(), xforms.meeting_form()]}
    forms |= {f.form_id: f for f in xforms.assessment_forms()}
    for user in (world.mentor, world.case_worker, world.psychologist):
        forms |= {f.form_id: f for f in openrosa.forms_for(user)}
    return list(forms.values())


def _paths(element: etree._Element, prefix: str = "") -> list[tuple[str, str]]:
    path = f"{prefix}/{etree.QName(element).localname}"
    rows = [(path, (element.text or "").strip())]
    for child in element:
        if isinstance(child.tag, str):
            rows += _paths(child, path)
    return rows


def _texts(xform: etree._Element) -> dict[str, set[str]]:
    """Each language's label texts of the XForm's questions and of the choices they offer
    (itext), by language tag."""
    used = set()
    for ref in xform.xpath("//h:body//@ref", namespaces=NS):
        if "itext(" in ref:
            used.add(ref.split("itext(")[1].strip("')\""))
    for itemset in xform.iterfind(".//h:body//xf:itemset", NS):
        name = itemset.get("nodeset", "").partition("instance('")[2].partition("'")[0]
        used |= set(xform.xpath(f"//xf:instance[@id='{name}']//xf:itextId/text()", namespaces=NS))
    found: dict[str, set[str]] = {}
    for language in xform.iterfind(".//xf:itext/xf:translation", NS):
        tag = enketo.language_tag(language.get("lang", ""))
        for text in language.iterfind("xf:text", NS):
            if text.get("id") not in used:
                continue
            for value in text.iterfind("xf:value", NS):
                if value.get("form") is None and len(value) == 0 and (value.text or "").strip():
                    found.setdefault(tag, set()).add(value.text.strip())
    return found


def test_every_form_is_transformed_with_its_questions_in_three_languages():
    load_builtin_instruments(actor=SYSTEM)
    forms = _every_form()
    assert len(forms) >= 4
    for form in forms:
        source = etree.fromstring(form.xml())
        result = enketo.transform(form.xml())
        page = html.fromstring(result.html)
        assert page.tag == "form" and "or" in page.get("class", "").split(), form.form_id

        # the languages, each with its direction, and every label in each of them
        assert result.languages == ("en", "ur", "ps"), form.form_id
        options = page.xpath('//select[@id="form-languages"]/option')
        assert [(o.get("value"), o.get("data-dir")) for o in options] == [
            ("en", "ltr"),
            ("ur", "rtl"),
            ("ps", "rtl"),
        ]
        shown: dict[str, set[str]] = {}
        for element in page.xpath("//*[@lang]"):
            shown.setdefault(element.get("lang"), set()).add(element.text_content().strip())
        texts_by_language = _texts(source)
        assert set(texts_by_language) == {"en", "ur", "ps"}, form.form_id
        for tag, texts in texts_by_language.items():
            assert tag in ("en", "ur", "ps"), tag
            missing = texts - shown.get(tag, set())
            assert not missing, (form.form_id, tag, sorted(missing)[:5])

        # every bound node is a control of the form (questions, calculations, meta)
        names = set(page.xpath("//@name")) | set(page.xpath("//@data-name"))
        for bind in source.iterfind(".//xf:model/xf:bind", NS):
            assert bind.get("nodeset") in names, (form.form_id, bind.get("nodeset"))

        # nothing the CSP refuses
        assert not page.xpath("//@style | //script"), form.form_id
        assert not [a for a in page.xpath("//@*") if a.attrname.startswith("on")], form.form_id

        # the model: the XForm's primary instance, its other instances by id
        model = etree.fromstring(result.model)
        instances = model.findall(f"{XF}instance")
        source_instances = source.findall(".//xf:model/xf:instance", NS)
        assert _paths(instances[0][0]) == _paths(source_instances[0][0]), form.form_id
        assert [i.get("id") for i in instances] == [i.get("id") for i in source_instances]
        # every lookup file the form names (its cases, families, communities, initiatives…)
        assert {name for _id, name in result.files} == set(form.media), form.form_id


def test_the_transformation_is_cached_by_the_forms_hash():
    xml = xforms.check_in_form().xml()
    assert enketo.transform(xml) is enketo.transform(bytes(xml))
    changed = xml.replace(b"2026", b"2027", 1)
    assert enketo.transform(changed) is not enketo.transform(xml)


def test_urdu_and_pashto_labels_are_the_translated_ones():
    result = enketo.transform(xforms.check_in_form().xml())
    page = html.fromstring(result.html)
    urdu = {e.text_content() for e in page.xpath('//*[@lang="ur"][@data-itext-id="method-0"]')}
    english = {e.text_content() for e in page.xpath('//*[@lang="en"][@data-itext-id="method-0"]')}
    assert english == {"Home visit"} and urdu and urdu != english


def test_a_lookup_file_becomes_the_instance_enketo_reads():
    xml = enketo.csv_instance(b"name,label,phase\nSWT-1,SWT-1,aftercare\nSWT-2,SWT-2,care\n")
    root = etree.fromstring(xml)
    assert [item.findtext("name") for item in root.iterfind("item")] == ["SWT-1", "SWT-2"]
    assert root.find("item").findtext("phase") == "aftercare"
    assert enketo.csv_instance(b"") == "<root/>"
    assert enketo.csv_instance(b"name,label\n<b>&,x\n").count("&amp;") == 1


def test_pyxform_language_names_become_tags_with_their_direction():
    assert enketo.language_tag("Urdu (ur)") == "ur"
    assert enketo.language_tag("English (en)") == "en"
    assert enketo.language_tag("Français (fr)") == "fr"
    assert enketo.language_tag("default") == "default"
    assert enketo.direction("ps") == "rtl" and enketo.direction("en") == "ltr"


def test_each_language_has_its_own_label_whatever_the_language_the_form_is_made_in():
    """The form is made once (cached) by whichever request comes first: an Urdu page must
    not make Urdu the English label (the labels are translated per language, not at once)."""
    xforms._check_in_xform.cache_clear()
    try:
        with translation.override("ur"):
            xml = xforms.check_in_form().xml()
    finally:
        xforms._check_in_xform.cache_clear()
    page = html.fromstring(enketo.transform(xml).html)
    english = page.xpath('//*[@lang="en"][@data-itext-id="/data/method:label"]')[0]
    urdu = page.xpath('//*[@lang="ur"][@data-itext-id="/data/method:label"]')[0]
    assert english.text_content() == "Method"
    assert urdu.text_content() not in ("", "Method")

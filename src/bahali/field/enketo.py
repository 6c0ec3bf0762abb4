"""Every field form as the browser's form engine (enketo-core) takes it: the XForm turned
into Enketo's HTML form and XML model on the server, with lxml and the XSL stylesheets of
the ``enketo-transformer`` npm package (Apache-2.0; built into ``BAHALI_ENKETO_DIR`` by
``npm run build`` with their licence), and the few corrections enketo-transformer's own
code makes after them (itemsets, the document's root, appearances, language tags and their
direction). Nothing form-specific: any XForm the server lists works. Cached by the XForm's
hash.

A form's lookup files (``jr://file-csv/…``) become the external instances enketo-core
reads (``external_instances``): the same rows ODK Collect gets, as XML.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import hashlib
import io
import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from lxml import etree, html  # type: ignore[import-untyped]

from bahali.assessments.xlsform import LANGUAGE_NAMES

XF = "http://www.w3.org/2002/xforms"
H = "http://www.w3.org/1999/xhtml"
NAMESPACES = {"xf": XF, "h": H}
RTL = {"ur", "ps", "ar", "fa"}
_TAG = re.compile(r"\(([a-z]{2,3}(?:-[A-Za-z0-9]+)*)\)\s*$")
_BY_NAME = {name: code for code, name in LANGUAGE_NAMES.items()}


class EngineMissing(RuntimeError):
    """The form engine was not built (``npm run build``, which ``make install`` runs)."""


@dataclasses.dataclass(frozen=True)
class EnketoForm:
    html: str  # the <form class="or"> element
    model: str  # the <model> with its instances
    languages: tuple[str, ...]  # the form's language tags, in order (e.g. en, ur, ps)
    files: tuple[tuple[str, str], ...]  # lookup files the form reads: (instance id, file name)


def engine_dir() -> Path:
    return Path(settings.BAHALI_ENKETO_DIR)


@lru_cache(maxsize=2)
def _stylesheet(name: str) -> etree.XSLT:
    path = engine_dir() / "xsl" / f"{name}.xsl"
    if not path.exists():
        raise EngineMissing(f"{path} is missing: run `npm run build` (make install does).")
    return etree.XSLT(etree.parse(str(path)))


def language_tag(name: str) -> str:
    """``English (en)`` → ``en`` (pyxform's language names), else the name as it is."""
    if name in _BY_NAME:
        return _BY_NAME[name]
    found = _TAG.search(name)
    return found.group(1) if found else name


def direction(tag: str) -> str:
    return "rtl" if tag.split("-")[0] in RTL else "ltr"


def _strip_filter(path: str) -> str:
    return re.sub(r"\[.*?\]", "", path)


def _process_itemsets(xform: etree._ElementTree) -> None:
    """As enketo-transformer's ``processItemsets``: each itemset says where its values and
    labels are (and carries its translated labels) for the stylesheet."""
    for itemset in xform.iterfind(".//xf:itemset", NAMESPACES):
        value = itemset.find("xf:value", NAMESPACES)
        label = itemset.find("xf:label", NAMESPACES)
        value_ref = value.get("ref", "") if value is not None else ""
        label_ref = label.get("ref", "") if label is not None else ""
        nodeset = itemset.get("nodeset", "")
        quoted = nodeset.partition("instance(")[2].partition(")")[0]
        path = nodeset.partition(")")[2]
        if "randomize(" in nodeset:
            path = path.partition("," if "," in nodeset else ")")[0]
        instance_path = _strip_filter(path.replace("/", "/xf:"))
        itext = f'/h:html/h:head/xf:model/xf:instance[@id="{quoted[1:-1]}"]{instance_path}'
        itemset.set("valueRef", value_ref)
        itemset.set("labelRef", label_ref)
        itemset.set("itextPath", itext)
        named = re.search(r"itext\((.*)\)", label_ref)
        if named:
            xpath = itext.replace("/xf:", "/xmlns:") + f'/*[name() = "{named.group(1)}"]'
            items = xform.xpath(xpath, namespaces={"h": H, "xf": XF, "xmlns": XF})
            for item in items if isinstance(items, list) else []:
                if isinstance(item, etree._Element):
                    itemset.append(copy.deepcopy(item))


def _appearances(form: html.HtmlElement) -> None:
    """As enketo-transformer's ``transformAppearances``: appearances become classes."""
    for element in form.xpath("//*[@data-appearances]"):
        select = element.attrib.pop("data-appearances-select-type", None) is not None
        classes: list[str] = []
        for appearance in element.attrib.pop("data-appearances").strip().lower().split():
            classes.append(f"or-appearance-{appearance}")
            if select and appearance == "horizontal":
                classes.append("or-appearance-columns")
            elif select and appearance == "horizontal-compact":
                classes.append("or-appearance-columns-pack")
            elif select and appearance == "compact":
                classes += ["or-appearance-columns-pack", "or-appearance-no-buttons"]
            elif select and appearance.startswith("compact-"):
                classes += [appearance.removeprefix("compact-"), "or-appearance-no-buttons"]
        names = element.get("class", "").split()
        element.set(
            "class",
            " ".join(
                part
                for name in names
                for part in (classes if name == "or-appearances-placeholder" else [name])
            ),
        )


def _languages(form: html.HtmlElement) -> tuple[str, ...]:
    """As enketo-transformer's ``replaceLanguageTags``: pyxform's language names become
    tags (``ur``), each with its direction, in the chooser and on every translated text."""
    tags = []
    for option in form.xpath('//select[@id="form-languages"]/option'):
        name = option.text_content().strip()
        tag = language_tag(name)
        tags.append(tag)
        option.set("value", tag)
        option.set("data-dir", direction(tag))
        option.text = name.removesuffix(f"({tag})").strip() if tag != name else name
        if name != tag:
            for element in form.xpath("//*[@lang=$name]", name=name):
                element.set("lang", tag)
        chooser = form.xpath("//*[@data-default-lang=$name]", name=name)
        for element in chooser:
            element.set("data-default-lang", tag)
    return tuple(tags)


def _bootstrap(form: html.HtmlElement) -> None:
    """Bahali's look (Bootstrap's classes on the controls; field/enketo.css does the rest),
    and no inline style (the CSP forbids it): the stylesheet's hidden parts are ``hidden``."""
    for element in form.xpath("//*[@style]"):
        style = element.attrib.pop("style").replace(" ", "").strip(";").lower()
        if style == "display:none":
            element.set("hidden", "hidden")
    for element in form.iter("input", "textarea", "select"):
        kind = element.get("type", "")
        if element.get("id") == "form-languages" or kind == "hidden":
            continue
        if kind in ("radio", "checkbox"):
            extra = "form-check-input"
        elif element.tag == "select":
            extra = "form-select"
        else:
            extra = "form-control"
        element.set("class", f"{element.get('class', '')} {extra}".strip())


def _transform(xform: bytes) -> EnketoForm:
    document = etree.parse(io.BytesIO(xform), etree.XMLParser(resolve_entities=False))
    _process_itemsets(document)
    result = _stylesheet("openrosa2html5form")(document)
    root = etree.fromstring(str(result).encode(), html.HTMLParser(encoding="utf-8"))
    found = root.xpath("//form")
    if not found:
        raise ValueError("The stylesheet made no form.")
    form = found[0]
    _appearances(form)
    languages = _languages(form)
    _bootstrap(form)
    model_doc = _stylesheet("openrosa2xmlmodel")(document)
    model_root = model_doc.getroot()
    model = None if model_root is None else model_root.find(f"{{{XF}}}model")
    if model is None:
        raise ValueError("The stylesheet made no model.")
    files = tuple(
        (instance.get("id", ""), src.rpartition("/")[2])
        for instance in model.iterfind(f"{{{XF}}}instance")
        if (src := instance.get("src", "")).startswith("jr://")
    )
    return EnketoForm(
        html=html.tostring(form, encoding="unicode"),
        model=etree.tostring(model, encoding="unicode"),
        languages=languages,
        files=files,
    )


@lru_cache(maxsize=64)
def _cached(digest: str, xform: bytes) -> EnketoForm:
    return _transform(xform)


def transform(xform: bytes) -> EnketoForm:
    """The XForm as enketo-core takes it (cached by the XForm's hash)."""
    return _cached(hashlib.sha256(xform).hexdigest(), xform)


def csv_instance(data: bytes) -> str:
    """A lookup file (CSV, first row the column names) as the XML enketo-core reads for an
    external instance: ``<root><item><name>…</name>…</item>…</root>``."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    root = etree.Element("root")
    if rows:
        header = rows[0]
        for values in rows[1:]:
            item = etree.SubElement(root, "item")
            for name, value in zip(header, values, strict=False):
                etree.SubElement(item, name).text = value
    return etree.tostring(root, encoding="unicode")

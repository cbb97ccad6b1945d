"""Intelligence-sharing exports (STIX 2.1, MISP, CSV), kept apart from detection.

Every export reads the scan report JSON (the contract in `report-json.md`), so it works the
same on a saved report and on the server's selection. One generator per output format, as
PyMISP keeps its data model apart from transport; redaction runs first unless asked not to.
"""

from lurewatch.report.sharing.csv_export import write_indicators_csv
from lurewatch.report.sharing.load import check_report, load_report
from lurewatch.report.sharing.misp import build_misp_event, write_misp_event
from lurewatch.report.sharing.redact import redact_report
from lurewatch.report.sharing.stix import build_stix_bundle, write_stix_bundle

__all__ = [
    "build_misp_event",
    "build_stix_bundle",
    "check_report",
    "load_report",
    "redact_report",
    "write_indicators_csv",
    "write_misp_event",
    "write_stix_bundle",
]

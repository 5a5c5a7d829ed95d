"""Reports to share: a result folder as self-contained HTML (charts embedded) and Markdown."""

from sim.reports.build import Report, build
from sim.reports.render import to_html, to_markdown, write_report

build_report = build

__all__ = ["Report", "build", "build_report", "to_html", "to_markdown", "write_report"]

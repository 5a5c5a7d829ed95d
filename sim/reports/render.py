"""A `Report` as a self-contained HTML page (charts embedded as data URIs, inline CSS) and as
Markdown (charts as PNG files beside it)."""

from __future__ import annotations

import base64
import datetime as dt
import html
from pathlib import Path

from sim.experiment import package_version
from sim.reports.build import Report

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #1d1d1f; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
.summary { background: #f3f6fa; border-left: 4px solid #3b6ea5; padding: 0.6rem 1rem; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.8rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
figure { margin: 1rem 0; } figcaption { font-size: 0.85rem; color: #555; }
img { max-width: 100%; }
pre { background: #f6f6f6; padding: 0.8rem; overflow-x: auto; font-size: 0.8rem; }
footer { margin-top: 2.5rem; font-size: 0.85rem; color: #555; }
"""


def _table_html(rows: list[list[str]]) -> str:
    if not rows:
        return ""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows[1:]
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(report: Report) -> str:
    """One file that opens anywhere: no script, no stylesheet, no image outside it."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(report.title)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(report.title)}</h1>",
        '<div class="summary">',
        *(f"<p>{html.escape(s)}</p>" for s in report.summary),
        "</div>",
    ]
    for section in report.sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        parts += [f"<p>{html.escape(t)}</p>" for t in section.text]
        for caption, png in section.charts:
            data = base64.b64encode(png).decode("ascii")
            parts.append(
                f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{html.escape(caption)}</figcaption></figure>"
            )
        parts.append(_table_html(section.table))
    parts.append("<footer><h2>Reproduce</h2><ul>")
    parts += [f"<li>{html.escape(line)}</li>" for line in report.reproduce]
    parts.append("</ul>")
    if report.scenario_yaml:
        parts.append(f"<pre>{html.escape(report.scenario_yaml)}</pre>")
    parts.append(
        f"<p>Exchange Sandbox {html.escape(package_version())}, {dt.date.today().isoformat()}.</p>"
    )
    parts.append("</footer></body></html>")
    return "\n".join(parts) + "\n"


def _table_md(rows: list[list[str]]) -> list[str]:
    if not rows:
        return []
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join("---" for _ in rows[0]) + "|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows[1:]]
    return [*lines, ""]


def to_markdown(report: Report, folder: Path) -> tuple[str, list[Path]]:
    """Markdown text, and the chart PNGs it links (written into `folder`)."""
    lines = [f"# {report.title}", ""]
    lines += [*(f"- {s}" for s in report.summary), ""]
    written: list[Path] = []
    for section in report.sections:
        lines += [f"## {section.title}", ""]
        lines += [*section.text, ""] if section.text else []
        for caption, png in section.charts:
            path = folder / f"report-{len(written) + 1}.png"
            path.write_bytes(png)
            written.append(path)
            lines += [f"![{caption}]({path.name})", ""]
        lines += _table_md(section.table)
    lines += ["## Reproduce", "", *(f"- {line}" for line in report.reproduce), ""]
    if report.scenario_yaml:
        lines += ["```yaml", report.scenario_yaml.rstrip("\n"), "```", ""]
    return "\n".join(lines), written


def write_report(report: Report, folder: Path) -> list[Path]:
    """report.html and report.md (with its PNGs) into `folder`; returns the paths written."""
    html_path, md_path = folder / "report.html", folder / "report.md"
    html_path.write_text(to_html(report), encoding="utf-8")
    markdown, charts = to_markdown(report, folder)
    md_path.write_text(markdown, encoding="utf-8")
    return [html_path, md_path, *charts]

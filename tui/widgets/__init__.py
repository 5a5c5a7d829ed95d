"""Widgets of the workbench: navigation, KPI tiles, charts, funnel, event log, field editors."""

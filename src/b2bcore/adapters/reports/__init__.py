"""Report writers: CSV as Russian Excel opens it, and XLSX, both streamed."""

from b2bcore.adapters.reports.delimited import CsvReportWriter
from b2bcore.adapters.reports.spreadsheet import XlsxReportWriter

__all__ = ["CsvReportWriter", "XlsxReportWriter"]

"""Documents as PDF, drawn with reportlab in a typeface shipped as a Python package."""

from b2bcore.adapters.pdf.renderer import PdfDocumentRenderer

__all__ = ["PdfDocumentRenderer"]

"""DaData: company and bank lookup (the in-memory directory, the HTTP adapter, the mapping)."""

from b2bcore.adapters.dadata.directory import CompanyDirectory
from b2bcore.adapters.dadata.http import DadataLookup, DadataSettings
from b2bcore.adapters.dadata.mapping import bank_from_data, requisites_from_party, suggestions

__all__ = [
    "CompanyDirectory",
    "DadataLookup",
    "DadataSettings",
    "bank_from_data",
    "requisites_from_party",
    "suggestions",
]

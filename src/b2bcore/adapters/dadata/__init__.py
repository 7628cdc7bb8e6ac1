"""DaData: company and bank lookup (the in-memory directory and the shared JSON mapping)."""

from b2bcore.adapters.dadata.directory import CompanyDirectory
from b2bcore.adapters.dadata.mapping import bank_from_data, requisites_from_party, suggestions

__all__ = ["CompanyDirectory", "bank_from_data", "requisites_from_party", "suggestions"]

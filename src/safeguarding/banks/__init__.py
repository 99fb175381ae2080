"""Hash lists with provenance and policy; import and export formats."""

from safeguarding.banks.formats import BankFormat
from safeguarding.banks.model import Action, Bank, BankEntry, BankPolicy, NewEntry
from safeguarding.banks.service import BankService, ImportResult

__all__ = [
    "Action",
    "Bank",
    "BankEntry",
    "BankFormat",
    "BankPolicy",
    "BankService",
    "ImportResult",
    "NewEntry",
]

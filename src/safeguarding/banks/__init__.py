"""Hash lists with provenance and policy; import and export formats."""

from safeguarding.banks.formats import BankFormat
from safeguarding.banks.model import Action, Bank, BankEntry, NewEntry
from safeguarding.banks.policy import BankPolicy
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
